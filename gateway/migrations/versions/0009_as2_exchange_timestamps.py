"""as2_exchange timestamps with their time zone, as every other table's (0005 made them without one)

The values were written in UTC (the model's type converts them), so they are read as UTC.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("created_at", "updated_at")


def upgrade() -> None:
    with op.batch_alter_table('as2_exchange', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.DateTime(), type_=sqlmodel.sql.sqltypes.UTCDateTime(),
                                  existing_nullable=False, postgresql_using=f"{column} AT TIME ZONE 'UTC'")


def downgrade() -> None:
    with op.batch_alter_table('as2_exchange', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), type_=sa.DateTime(),
                                  existing_nullable=False, postgresql_using=f"{column} AT TIME ZONE 'UTC'")
