"""redundant indexes: single-column indexes that a unique key or a list index already leads with

Every row the lifecycle inserts (a version's lines, a response's, a confirmation's) and every PO update (which
changes an indexed column, so no index is spared) wrote each of these for nothing: the index they duplicate finds
the same rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, column): each covered by an index that starts with the same column
REDUNDANT = (
    ("purchase_order", "ix_purchase_order_customer_id", "customer_id"),  # unique (customer_id, po_number)
    ("purchase_order", "ix_purchase_order_vendor_id", "vendor_id"),  # ix_po_vendor_state_updated
    ("po_version", "ix_po_version_po_id", "po_id"),  # unique (po_id, version)
    ("po_line", "ix_po_line_version_id", "version_id"),  # unique (version_id, line_number)
    ("response_line", "ix_response_line_response_id", "response_id"),  # unique (response_id, line_number)
    ("confirmed_line", "ix_confirmed_line_confirmation_id", "confirmation_id"),  # unique (confirmation_id, ...)
)


def upgrade() -> None:
    for table, index, _ in REDUNDANT:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for table, index, column in REDUNDANT:
        op.create_index(index, table, [column], unique=False)
