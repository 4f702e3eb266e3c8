"""Declarative base and the column types every aggregate shares (UTC instants, JSON)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, MetaData, event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapper, Session

from spocmail.db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


@event.listens_for(Mapper, "before_configured")
def _every_model() -> None:
    # spocmail.db no longer imports every model when it loads (read commands start without the ORM), so a
    # program that imported one model module gets the others, which its relationships name, before first use.
    from spocmail.db import load_models

    load_models()


def _without_nul(value):
    """NUL is the one character PostgreSQL text (and JSON) cannot hold; a mail's raw bytes keep it."""
    if isinstance(value, str):
        return value.replace("\x00", " ") if "\x00" in value else value
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _has_nul(value) -> bool:
    """Whether _without_nul would change the value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


@event.listens_for(Session, "before_flush")
def _strip_nul(session, _context, _instances) -> None:
    # One place for every row written: a NUL a customer put in a subject or a body would otherwise make
    # PostgreSQL refuse the row, and the mail fail on its own bytes, while SQLite took it.
    # A new object is looked at in full; of a changed one only what changed: the rest was read from the
    # database, so it is clean already. Only values set (in the instance's dict) can hold a NUL.
    for objects, changed_only in ((session.new, False), (session.dirty, True)):
        for obj in objects:
            state = inspect(obj)
            keys = _column_keys(state.mapper)
            values = state.dict
            for key in list(state.committed_state if changed_only else values):
                if key not in keys:
                    continue
                value = values.get(key)
                # looked for, not copied and compared, and text (most values) without a call: a flush writes
                # dozens of values, almost never with a NUL
                if isinstance(value, str):
                    if "\x00" not in value:
                        continue
                elif not isinstance(value, (list, dict)) or not _has_nul(value):
                    continue
                setattr(obj, key, _without_nul(value))


_KEYS: dict = {}


def _column_keys(mapper) -> frozenset:
    keys = _KEYS.get(mapper)
    if keys is None:
        keys = _KEYS[mapper] = frozenset(attr.key for attr in mapper.column_attrs)
    return keys
