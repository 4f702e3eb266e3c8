"""claims: the process that holds a stored mail's claim, so a dead one's claim is given back at once

Revision ID: 0011_claims
Revises: 0010_evid

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011_claims'
down_revision: Union[str, Sequence[str], None] = '0010_evid'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('messages', sa.Column('claimed_by', sa.String(length=300), nullable=True))
    op.add_column('outbox', sa.Column('sending_by', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('sending_by')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('claimed_by')
