"""as2: the AS2 exchanges (as2_exchange), one per message in or out, with the MDN sent or expected

Revision ID: 0005
Revises: 0004

The integrator re-chains this after whatever precedes it at merge: only down_revision changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'as2_exchange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('as2_message_id', sa.String(length=998), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('mic', sa.String(length=128), nullable=True),
        sa.Column('mic_hash', sa.String(length=8), nullable=True),
        sa.Column('mdn_status', sa.String(length=8), nullable=False),
        sa.Column('disposition', sa.Text(), nullable=True),
        sa.Column('mdn', sa.LargeBinary(), nullable=True),
        sa.Column('mdn_url', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('direction', 'partner_id', 'as2_message_id'),
    )
    op.create_index('ix_as2_exchange_message_id', 'as2_exchange', ['message_id'])


def downgrade() -> None:
    op.drop_index('ix_as2_exchange_message_id', table_name='as2_exchange')
    op.drop_table('as2_exchange')
