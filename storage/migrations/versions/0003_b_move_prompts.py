"""move prompts: staff reply prompts waiting for a move's words (issue 13, the live card)

Revision ID: 0003_b
Revises: 0003_a
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0003_b'
down_revision = '0003_a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'move_prompts',
        sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('trigger', sa.String(length=32), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('expires_at', storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_move_prompts_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_move_prompts')),
    )
    with op.batch_alter_table('move_prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_move_prompts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_move_prompts_expires_at'), ['expires_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('move_prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_move_prompts_expires_at'))
        batch_op.drop_index(batch_op.f('ix_move_prompts_case_id'))
    op.drop_table('move_prompts')
