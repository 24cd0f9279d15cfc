"""partner health: last poll and send, last error, consecutive failures

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_health',
    sa.Column('partner_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last_poll_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_send_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_error_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('partner_id')
    )


def downgrade() -> None:
    op.drop_table('partner_health')
