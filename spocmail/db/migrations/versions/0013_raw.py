"""raw mail in its own table: message_raw(message_pk, raw), so that loading or updating a messages row
never reads or rewrites the mail's bytes (SQLite rewrites a whole row on UPDATE: a 50 MB mail cost 50 MB of
memory at each state change), and a large mail can be written and read back a slice at a time

Revision ID: 0013_raw
Revises: 0012_send

"""
import sqlite3
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013_raw'
down_revision: Union[str, Sequence[str], None] = '0012_send'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _drop_messages_raw() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # Natively, not by batch mode's copy of the table: dropping the old messages table would delete
        # (by ON DELETE CASCADE, foreign keys being on) the message_raw rows just filled from it.
        if sqlite3.sqlite_version_info < (3, 35, 0):
            raise RuntimeError(f"migration 0013_raw needs SQLite 3.35 or later (ALTER TABLE ... DROP COLUMN); "
                               f"this Python has SQLite {sqlite3.sqlite_version}")
        op.execute("ALTER TABLE messages DROP COLUMN raw")
    else:
        op.drop_column('messages', 'raw')


def upgrade() -> None:
    # raw is the last column: SQLite stores a trailing zeroblob without building it in memory
    op.create_table('message_raw',
    sa.Column('message_pk', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], name=op.f('fk_message_raw_message_pk_messages'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_pk', name=op.f('pk_message_raw'))
    )
    op.execute("INSERT INTO message_raw (message_pk, raw) SELECT id, raw FROM messages")  # in the database
    _drop_messages_raw()


def downgrade() -> None:
    op.add_column('messages', sa.Column('raw', sa.LargeBinary(), nullable=True))
    op.execute("UPDATE messages SET raw = (SELECT raw FROM message_raw WHERE message_raw.message_pk = messages.id)")
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add NOT NULL to a column in place
        op.alter_column('messages', 'raw', nullable=False)
    op.drop_table('message_raw')
