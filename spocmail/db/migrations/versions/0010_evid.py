"""evidence and retention: the audit log's personal part kept beside it; what retention keeps and did

Revision ID: 0010_evid
Revises: 0009_life

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010_evid'
down_revision: Union[str, Sequence[str], None] = '0009_life'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('audit_personal',
    sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_audit_personal'))
    )
    op.create_table('retained_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('statutory_kind', sa.String(length=32), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('retained_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retained_issues'))
    )
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )


def downgrade() -> None:
    op.drop_table('retention_runs')
    op.drop_table('retained_issues')
    op.drop_table('audit_personal')
