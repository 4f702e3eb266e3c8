"""issues, requests, answers, responses

Revision ID: 0004
Revises: 0003

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'key', name=op.f('uq_job_runs_job'))
    )
    op.create_table('ref_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_ref_counters'))
    )
    op.create_table('issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('request_text', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('category_rule', sa.String(length=100), nullable=False),
    sa.Column('category_evidence', sa.Text(), nullable=False),
    sa.Column('category_by', sa.String(length=200), nullable=False),
    sa.Column('statutory_kind', sa.String(length=32), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('pauses', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=True),
    sa.Column('routing_reason', sa.Text(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_issues_customer_id_customers')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['issues.id'], name=op.f('fk_issues_merged_into_id_issues')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_issues_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues')),
    sa.UniqueConstraint('ref', name=op.f('uq_issues_ref'))
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_status'), ['status'], unique=False)

    op.create_table('issue_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('message_pk', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_messages_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], name=op.f('fk_issue_messages_message_pk_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_messages')),
    sa.UniqueConstraint('issue_id', 'message_pk', 'role', name=op.f('uq_issue_messages_issue_id'))
    )
    with op.batch_alter_table('issue_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_messages_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issue_messages_message_pk'), ['message_pk'], unique=False)

    op.create_table('officer_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('covering_for', sa.String(length=64), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('overdue_notified_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_officer_requests_issue_id_issues')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_officer_requests_officer_id_officers')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_officer_requests_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_requests')),
    sa.UniqueConstraint('message_id', name=op.f('uq_officer_requests_message_id')),
    sa.UniqueConstraint('token', name=op.f('uq_officer_requests_token'))
    )
    with op.batch_alter_table('officer_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_requests_issue_id'), ['issue_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('draft_outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_responses_customer_id_customers')),
    sa.ForeignKeyConstraint(['draft_outbox_id'], ['outbox.id'], name=op.f('fk_responses_draft_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_responses_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('customer_id', 'kind', 'period', 'sequence', name=op.f('uq_responses_customer_id'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_customer_id'), ['customer_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('message_pk', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('edited_text', sa.Text(), nullable=True),
    sa.Column('edited_by', sa.String(length=200), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('sent_in', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_answers_issue_id_issues')),
    sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], name=op.f('fk_answers_message_pk_messages')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_answers_officer_id_officers')),
    sa.ForeignKeyConstraint(['request_id'], ['officer_requests.id'], name=op.f('fk_answers_request_id_officer_requests')),
    sa.ForeignKeyConstraint(['sent_in'], ['outbox.id'], name=op.f('fk_answers_sent_in_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_issue_id'), ['issue_id'], unique=False)

    


def downgrade() -> None:
    """Downgrade schema."""
    
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_issue_id'))

    op.drop_table('answers')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_customer_id'))

    op.drop_table('responses')
    with op.batch_alter_table('officer_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_requests_issue_id'))

    op.drop_table('officer_requests')
    with op.batch_alter_table('issue_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_messages_message_pk'))
        batch_op.drop_index(batch_op.f('ix_issue_messages_issue_id'))

    op.drop_table('issue_messages')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issues_status'))
        batch_op.drop_index(batch_op.f('ix_issues_customer_id'))
        batch_op.drop_index(batch_op.f('ix_issues_content_hash'))

    op.drop_table('issues')
    op.drop_table('ref_counters')
    op.drop_table('job_runs')
    
