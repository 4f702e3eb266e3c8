"""response drafts: the exact draft the SPOC approves, with its version and content hash

Revision ID: 0006
Revises: 0005

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('response_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('ident', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('to_addrs', sa.JSON(), nullable=False),
    sa.Column('cc_addrs', sa.JSON(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('answer_ids', sa.JSON(), nullable=False),
    sa.Column('issue_ids', sa.JSON(), nullable=False),
    sa.Column('held_back', sa.JSON(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('extras', sa.JSON(), nullable=False, server_default='[]'),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('draft_outbox_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('sent_outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_response_drafts_customer_id_customers')),
    sa.ForeignKeyConstraint(['draft_outbox_id'], ['outbox.id'], name=op.f('fk_response_drafts_draft_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['sent_outbox_id'], ['outbox.id'], name=op.f('fk_response_drafts_sent_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_drafts')),
    sa.UniqueConstraint('customer_id', 'kind', 'period', 'version', name=op.f('uq_response_drafts_customer_id'))
    )
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_drafts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_drafts_ident'), ['ident'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_drafts_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('response_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_drafts_status'))
        batch_op.drop_index(batch_op.f('ix_response_drafts_ident'))
        batch_op.drop_index(batch_op.f('ix_response_drafts_customer_id'))
    op.drop_table('response_drafts')
