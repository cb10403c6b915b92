"""Idempotent consumption: the event id is recorded in the same transaction as the effect."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import statement_once
from .events import Envelope


def record_once(session: Session, inbox: sa.Table, consumer: str, event: Envelope) -> bool:
    """True the first time this consumer sees the event; False for a redelivery.

    A concurrent delivery of the same event blocks on the primary key until the first commits,
    then sees the conflict: exactly one of them applies the effect.
    """
    return (consumer, event.id) in record_many(session, inbox, [(consumer, event)])


def record_many(session: Session, inbox: sa.Table, items: list[tuple[str, Envelope]]) -> set[tuple[str, str]]:
    """Record a batch in one statement; return the (consumer, event id) pairs seen for the first time."""
    if not items:
        return set()
    now = datetime.now(UTC)
    rows = [dict(consumer=c, event_id=e.id, event_type=e.type, processed_at=now) for c, e in items]
    # One statement, many parameter sets: SQLAlchemy sends one multi-row INSERT (insertmanyvalues) and
    # compiles it once; a `.values(rows)` statement was compiled anew for every batch. On the session's
    # connection: a Core statement needs none of the ORM's bookkeeping (autoflush, result wrapping).
    done = session.connection().execute(_record_statement(session, inbox), rows)
    return {(r.consumer, r.event_id) for r in done}


def _record_statement(session: Session, inbox: sa.Table) -> sa.Executable:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return statement_once(
        ("inbox", inbox, dialect),
        lambda: (
            insert(inbox)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox.c.consumer, inbox.c.event_id)
        ),
    )
