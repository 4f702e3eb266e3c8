"""issue notes: the SPOC's internal notes on an issue

Revision ID: 0005
Revises: 0004

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('issue_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_notes_issue_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_notes'))
    )
    with op.batch_alter_table('issue_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_notes_issue_id'), ['issue_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issue_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_notes_issue_id'))
    op.drop_table('issue_notes')
