"""A stored mail's raw bytes (table message_raw), read back with one copy of the mail in memory.

Reading the whole column at once costs two copies of a large mail while it is read: SQLite assembles
the blob from its overflow pages into a buffer of its own before Python copies it into bytes, and
libpq holds the whole result before psycopg makes bytes of it. So a mail larger than RAW_SLICE is read
a slice at a time (SQLite: incremental blob I/O; PostgreSQL: substring) into one buffer of its size.
"""

from __future__ import annotations

import ctypes
import hashlib

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

RAW_SLICE = 4 << 20  # bytes: a larger mail is read back a slice at a time


class MissingRaw(LookupError):
    """A messages row whose raw bytes are gone (message_raw has no row for it)."""


def _bytes_api():
    make = ctypes.pythonapi.PyBytes_FromStringAndSize
    make.restype, make.argtypes = ctypes.py_object, (ctypes.c_void_p, ctypes.c_ssize_t)
    contents = ctypes.pythonapi.PyBytes_AsString
    contents.restype, contents.argtypes = ctypes.c_void_p, (ctypes.py_object,)
    return make, contents


try:
    _MAKE_BYTES, _BYTES_CONTENTS = _bytes_api()
except AttributeError:  # pragma: no cover - not CPython
    _MAKE_BYTES = _BYTES_CONTENTS = None


def _new_bytes(n: int):
    """An uninitialised bytes object of n bytes (n > 0), and a writable view of its contents.

    Filling it in place is what the C API allows for a bytes object just made this way
    (PyBytes_FromStringAndSize(NULL, n), then PyBytes_AsString), before anyone else sees it: callers get
    real bytes, hashable and immutable from then on, without a second copy of the mail."""
    if _MAKE_BYTES is None:  # pragma: no cover - a bytearray, copied to bytes once at the end
        buf = bytearray(n)
        return buf, memoryview(buf)
    out = _MAKE_BYTES(None, n)
    return out, memoryview((ctypes.c_char * n).from_address(_BYTES_CONTENTS(out))).cast("B")


def _dbapi(session: Session):
    return session.connection().connection.dbapi_connection


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def raw_length(session: Session, pk: int) -> int | None:
    from spocmail.db.mail import MessageRaw

    return session.scalar(select(func.length(MessageRaw.raw)).where(MessageRaw.message_pk == pk))


def iter_slices(session: Session, pk: int, size: int | None = None):
    """The stored mail's bytes, RAW_SLICE at a time; raises MissingRaw if it has none."""
    from spocmail.db.mail import MessageRaw

    if size is None:
        size = raw_length(session, pk)
    if size is None:
        raise MissingRaw(pk)
    if _is_sqlite(session):
        with _dbapi(session).blobopen("message_raw", "raw", pk, readonly=True) as blob:
            for _ in range(0, size, RAW_SLICE):
                yield blob.read(RAW_SLICE)
        return
    for pos in range(0, size, RAW_SLICE):  # substring counts from 1
        yield session.scalar(select(func.substring(MessageRaw.raw, pos + 1, RAW_SLICE))
                             .where(MessageRaw.message_pk == pk))


def read_raw(session: Session, pk: int) -> bytes:
    """The stored mail's bytes, as they came; raises MissingRaw if it has none."""
    from spocmail.db.mail import MessageRaw

    length = func.length(MessageRaw.raw)
    found = session.execute(select(length, case((length <= RAW_SLICE, MessageRaw.raw)))
                            .where(MessageRaw.message_pk == pk)).one_or_none()
    if found is None:
        raise MissingRaw(pk)
    size, whole = found
    if whole is not None:  # small: in the same query
        return whole
    out, view = _new_bytes(size)
    pos = 0
    for piece in iter_slices(session, pk, size):
        if pos + len(piece) > size:  # pragma: no cover - only if changed meanwhile by someone else
            break
        view[pos:pos + len(piece)] = piece
        pos += len(piece)
    if pos != size:  # pragma: no cover - the same
        raise RuntimeError(f"mail {pk}: its raw bytes changed while they were read ({size} bytes, then {pos})")
    view.release()
    return out if isinstance(out, bytes) else bytes(out)


def sha256_of(session: Session, pk: int) -> tuple[str, int]:
    """SHA-256 and length of the stored mail, read a slice at a time (never the whole mail at once)."""
    h = hashlib.sha256()
    n = 0
    for piece in iter_slices(session, pk):
        h.update(piece)
        n += len(piece)
    return h.hexdigest(), n
