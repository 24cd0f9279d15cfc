"""product ids: every product/service id pair of a line, the vendor's part number on receipts and stock

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows stored before this revision carry no pairs: an empty list, as a new line without ids.
_NO_IDS = sa.text("'[]'")


def _ids() -> sa.Column:
    return sa.Column('product_ids', sa.JSON(), nullable=False, server_default=_NO_IDS)


def upgrade() -> None:
    for table in ('po_line', 'response_line'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_ids())
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_item', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(_ids())
    with op.batch_alter_table('onhand', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_item', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(_ids())


def downgrade() -> None:
    with op.batch_alter_table('onhand', schema=None) as batch_op:
        batch_op.drop_column('product_ids')
        batch_op.drop_column('vendor_item')
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.drop_column('product_ids')
        batch_op.drop_column('description')
        batch_op.drop_column('vendor_item')
    for table in ('response_line', 'po_line'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('product_ids')
