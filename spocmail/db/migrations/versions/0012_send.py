"""officer digests: each request and reminder mailed to an officer by London day, and those held for the digest

Revision ID: 0012_send
Revises: 0011_claims

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa



revision: str = '0012_send'
down_revision: Union[str, Sequence[str], None] = '0011_claims'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('officer_mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('digest_outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['officer_requests.id'],
                            name=op.f('fk_officer_mailings_request_id_officer_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_mailings')),
    sa.UniqueConstraint('kind', 'request_id', name=op.f('uq_officer_mailings_kind'))
    )
    op.create_index('ix_officer_mailings_officer_day', 'officer_mailings', ['officer_id', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_officer_mailings_officer_day', table_name='officer_mailings')
    op.drop_table('officer_mailings')
