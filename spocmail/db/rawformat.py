"""PostgreSQL: a query that reads stored raw mail gets its results in binary format.

In text format a bytea arrives as hex, twice its size, and libpq holds it twice (its input buffer and the
result) before psycopg decodes it into a third and fourth copy: a 50 MB mail cost over 250 MB to read back.
In binary format it arrives as its own bytes. psycopg loads every column type to the same Python value in
either format, so only the memory changes. Only statements that select `message_raw.raw` (whole, or a
substring of it) are switched; bytes parameters are always sent in binary format (the same value, without
the hex copy).
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


LARGE = "spocmail_sent_large_mail"  # set in a connection's info by whoever sent a large mail through it


def install(engine: Engine) -> None:
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "connect")
    def _binary_bytes(dbapi_conn, _record):  # bytes parameters sent as they are, not escaped to hex
        from psycopg.types.string import BytesBinaryDumper

        dbapi_conn.adapters.register_dumper(bytes, BytesBinaryDumper)

    @event.listens_for(engine, "checkin")
    def _drop_grown(_dbapi_conn, record):  # libpq keeps a buffer as large as the largest mail sent through it
        if record is not None and record.info.pop(LARGE, False):
            record.invalidate()

    @event.listens_for(engine, "before_cursor_execute")
    def _binary_for_raw(_conn, cursor, statement, _params, _context, _executemany):
        if statement.lstrip()[:6].upper() == "SELECT" and "message_raw.raw" in statement:
            from psycopg import pq

            cursor.format = pq.Format.BINARY
