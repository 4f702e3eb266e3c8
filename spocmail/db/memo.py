"""What one transaction has learnt and may keep until it ends: a count it is keeping up to date, a lock it holds.

Kept in `session.info` under a key of the caller's choosing. Any rollback, a savepoint's included, forgets
every memo: a row lock or a count taken inside a savepoint that is rolled back is no longer true. The end of
the transaction forgets them too, with the locks it held.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEYS = "spocmail.memo.keys"


def memo(session: Session, key: str, factory: Callable[[], T]) -> T:
    """The transaction's memo under KEY, made with FACTORY the first time it is asked for."""
    if key not in session.info:
        session.info[key] = factory()
        session.info.setdefault(_KEYS, set()).add(key)
    return session.info[key]


def peek(session: Session, key: str):
    """The memo under KEY if this transaction has made one, else None."""
    return session.info.get(key)


def _forget(session: Session) -> None:
    for key in session.info.pop(_KEYS, ()):
        session.info.pop(key, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_at_rollback(session: Session, _previous) -> None:
    _forget(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the transaction, not a savepoint: its locks are gone
        _forget(session)
