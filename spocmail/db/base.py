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


@event.listens_for(Session, "before_flush")
def _strip_nul(session, _context, _instances) -> None:
    # One place for every row written: a NUL a customer put in a subject or a body would otherwise make
    # PostgreSQL refuse the row, and the mail fail on its own bytes, while SQLite took it.
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = getattr(obj, attr.key, None)
            if isinstance(value, (str, list, dict)):
                clean = _without_nul(value)
                if clean != value:
                    setattr(obj, attr.key, clean)
