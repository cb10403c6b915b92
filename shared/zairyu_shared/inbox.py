"""Idempotent consumption: the event id is recorded in the same transaction as the effect."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .events import Envelope


def record_once(session: Session, inbox: sa.Table, consumer: str, event: Envelope) -> bool:
    """True the first time this consumer sees the event; False for a redelivery.

    A concurrent delivery of the same event blocks on the primary key until the first commits,
    then sees the conflict: exactly one of them applies the effect.
    """
    values = dict(consumer=consumer, event_id=event.id, event_type=event.type,
                  processed_at=datetime.now(timezone.utc))
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(inbox).values(**values).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox.c.event_id))  # rowcount is not reliable across drivers; RETURNING is
    return session.execute(stmt).first() is not None


def record_many(session: Session, inbox: sa.Table, items: list[tuple[str, Envelope]]) -> set[tuple[str, str]]:
    """Record a batch in one statement; return the (consumer, event id) pairs seen for the first time."""
    if not items:
        return set()
    now = datetime.now(timezone.utc)
    rows = [dict(consumer=c, event_id=e.id, event_type=e.type, processed_at=now) for c, e in items]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(inbox).values(rows).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(inbox.c.consumer, inbox.c.event_id))
    return {(r.consumer, r.event_id) for r in session.execute(stmt)}
