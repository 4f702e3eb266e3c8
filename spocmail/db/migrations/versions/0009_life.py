"""the arrangement over its life: events and appeals; notice and end dates; restrictions on issues; channels

Revision ID: 0009_life
Revises: 0008_web

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009_life'
down_revision: Union[str, Sequence[str], None] = '0008_web'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('arrangement_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_arrangement_events_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrangement_events'))
    )
    with op.batch_alter_table('arrangement_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrangement_events_customer_id'), ['customer_id'], unique=False)
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('decision_text', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_appeals_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['arrangement_events.id'], name=op.f('fk_appeals_event_id_arrangement_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_customer_id'), ['customer_id'], unique=False)
    with op.batch_alter_table('arrangements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restrictions', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('deferred_until', sa.Date(), nullable=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=False, server_default='email'))
    _backfill()


def _backfill() -> None:
    """Arrangements made before this revision: their start becomes a decision (appeals run from it) and a
    missing review date becomes the default, six months after the start (seed 000)."""
    import calendar
    from datetime import date, datetime, timezone

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT customer_id, start, review FROM arrangements")).fetchall()
    events = sa.table('arrangement_events', sa.column('customer_id', sa.String), sa.column('kind', sa.String),
                      sa.column('on', sa.Date), sa.column('at', sa.DateTime(timezone=True)),
                      sa.column('actor', sa.String), sa.column('next_review', sa.Date),
                      sa.column('outcome', sa.Text))
    now = datetime.now(timezone.utc)
    for customer_id, start, review in rows:
        if isinstance(start, str):
            start = date.fromisoformat(start)
        if review is None:
            y, m = divmod(start.month - 1 + 6, 12)
            review = date(start.year + y, m + 1, min(start.day, calendar.monthrange(start.year + y, m + 1)[1]))
            conn.execute(sa.text("UPDATE arrangements SET review = :r WHERE customer_id = :c"),
                         {"r": review, "c": customer_id})
        elif isinstance(review, str):
            review = date.fromisoformat(review)
        conn.execute(events.insert().values(customer_id=customer_id, kind='started', on=start,
                                            at=now.replace(tzinfo=None) if conn.dialect.name == 'sqlite' else now,
                                            actor='migration 0008', next_review=review, outcome=''))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('deferred_until')
        batch_op.drop_column('restrictions')
    with op.batch_alter_table('arrangements', schema=None) as batch_op:
        batch_op.drop_column('ended_on')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('notice_on')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_customer_id'))
    op.drop_table('appeals')
    with op.batch_alter_table('arrangement_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrangement_events_customer_id'))
    op.drop_table('arrangement_events')
