"""identifications

Revision ID: 0003
Revises: 0002

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    
    op.create_table('identifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_pk', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('sender_id', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('suggest_address', sa.String(length=320), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_identifications_customer_id_customers')),
    sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], name=op.f('fk_identifications_message_pk_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identifications')),
    sa.UniqueConstraint('message_pk', name=op.f('uq_identifications_message_pk'))
    )
    with op.batch_alter_table('identifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identifications_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identifications_decision'), ['decision'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))

    


def downgrade() -> None:
    """Downgrade schema."""
    
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('identifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identifications_decision'))
        batch_op.drop_index(batch_op.f('ix_identifications_customer_id'))

    op.drop_table('identifications')
    
