"""held messages: a reporter's message after submission, held until the reporter chooses where
it goes (the officer handling the case, or a new report)

Revision ID: 0004_c
Revises: 0004_d
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0004_c'
down_revision = '0004_d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'held_messages',
        sa.Column('chat_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('body_enc', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_held_messages_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('chat_hash', name=op.f('pk_held_messages')),
        sa.UniqueConstraint('id', name=op.f('uq_held_messages_id')),
    )
    with op.batch_alter_table('held_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_messages_created_at'), ['created_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('held_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_held_messages_case_id'))
    op.drop_table('held_messages')
