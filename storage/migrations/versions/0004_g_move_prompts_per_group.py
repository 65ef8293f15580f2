"""move prompts per staff group: the key is (staff_group, message_id), since message ids are per
chat (0: the main group). Pending prompts are kept (all of them were sent in the main group).
outbox.parked_for 16 -> 32 characters: a message parked for another staff group waits under
"staff:<chat id>".

Revision ID: 0004_g
Revises: 0004_c
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_g'
down_revision = '0004_c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('move_prompts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_group', sa.BigInteger(), autoincrement=False,
                                      nullable=False, server_default='0'))
        batch_op.drop_constraint('pk_move_prompts', type_='primary')
        batch_op.create_primary_key('pk_move_prompts', ['staff_group', 'message_id'])
    with op.batch_alter_table('move_prompts', schema=None) as batch_op:
        batch_op.alter_column('staff_group', server_default=None)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('parked_for', existing_type=sa.String(length=16),
                              type_=sa.String(length=32), existing_nullable=True)


def downgrade() -> None:
    op.execute("UPDATE outbox SET parked_for = 'staff' WHERE parked_for LIKE 'staff:%'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('parked_for', existing_type=sa.String(length=32),
                              type_=sa.String(length=16), existing_nullable=True)
    # A prompt of another group cannot be kept under its message id alone.
    op.execute("DELETE FROM move_prompts WHERE staff_group <> 0")
    with op.batch_alter_table('move_prompts', schema=None) as batch_op:
        batch_op.drop_constraint('pk_move_prompts', type_='primary')
        batch_op.create_primary_key('pk_move_prompts', ['message_id'])
        batch_op.drop_column('staff_group')
