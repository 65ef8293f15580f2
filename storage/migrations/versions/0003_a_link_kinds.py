"""message links record their kind; relays to reporters wait in the outbox under a relay id

Only a reply to the case card or to a reporter's message relays to the reporter (issue 13). A link
written before this revision has no kind (NULL): it counts as the card when its message is the
case's card (`cases.card_message_id`), else as internal, so an old evidence copy, status note or
confirmation never relays. A relay waits out its window in the outbox with its `relay_id`, which
[Batalkan] deletes it by; its confirmation in the staff group is linked with the same id.

Revision ID: 0003_a
Revises: 0002_b
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_a"
down_revision = "0002_b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("relay_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_message_links_relay_id"), ["relay_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relay_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_relay_id"), ["relay_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_relay_id"))
        batch_op.drop_column("relay_id")
    with op.batch_alter_table("message_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_links_relay_id"))
        batch_op.drop_column("relay_id")
        batch_op.drop_column("kind")
