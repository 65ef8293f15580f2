"""delivery: parked outbox messages, unexpected-error counts, topic request marker

Revision ID: 0002_b
Revises: 0002_a
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0002_b'
down_revision = '0002_a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('errors', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('parked_for', sa.String(length=16), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_requested_at',
                                      storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('topic_requested_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('parked_for')
        batch_op.drop_column('errors')
