"""who handles a case: cases.handler (a staff pseudonym) and the encrypted staff directory

Revision ID: 0004_a
Revises: 0003_b
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0004_a'
down_revision = '0003_b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handler', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_handler'), ['handler'], unique=False)
    op.create_table(
        'staff_members',
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('name_enc', sa.LargeBinary(), nullable=False),
        sa.Column('username_hash', sa.LargeBinary(length=32), nullable=True),
        sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('actor', name=op.f('pk_staff_members')),
    )
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_members_username_hash'), ['username_hash'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_members_username_hash'))
    op.drop_table('staff_members')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_handler'))
        batch_op.drop_column('handler')
