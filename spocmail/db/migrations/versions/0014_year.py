"""a year of mail: indexes for the look-ups each new mail makes, so they do not grow with the history

Revision ID: 0014_year
Revises: 0013_raw

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014_year'
down_revision: Union[str, Sequence[str], None] = '0013_raw'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # repeat detection: one customer's issues with the same words (not every customer's)
    op.create_index('ix_issues_hash_customer', 'issues', ['content_hash', 'customer_id', 'status'], unique=False)
    # the rate limit's look-back: the mails sent in the last hour, not every mail ever sent
    op.create_index('ix_outbox_sent_at', 'outbox', ['sent_at'], unique=False)
    # each poll's acknowledgements: the issues not yet acknowledged (IS NULL), not every live issue of the year
    op.create_index('ix_issues_unacknowledged', 'issues', ['acknowledged_at', 'customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issues_unacknowledged', table_name='issues')
    op.drop_index('ix_outbox_sent_at', table_name='outbox')
    op.drop_index('ix_issues_hash_customer', table_name='issues')
