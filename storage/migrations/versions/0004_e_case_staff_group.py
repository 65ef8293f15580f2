"""case staff group: the staff group a case belongs to (NULL: the main group); send_pace: each
staff group's shared sending pace (PostgreSQL replicas)

Revision ID: 0004_e
Revises: 0004_a
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0004_e'
down_revision = '0004_a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cases keep NULL: the main group, as before.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_group', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_staff_group'), ['staff_group'], unique=False)
    op.create_table(
        'send_pace',
        sa.Column('chat_key', sa.String(length=32), nullable=False),
        sa.Column('next_at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('chat_key', name=op.f('pk_send_pace')),
    )


def downgrade() -> None:
    op.drop_table('send_pace')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_staff_group'))
        batch_op.drop_column('staff_group')
