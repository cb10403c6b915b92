"""Transactional outbox: events are written with the state change, and a relay publishes them.

A crash between commit and publish loses nothing (the row stays unsent); a crash between publish
and mark-sent publishes the event again, which the consumers' inbox absorbs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from . import metrics
from .db import statement_once
from .events import Envelope
from .events.registry import spec_for

log = logging.getLogger(__name__)


class OutboundMessage(Protocol):
    event_id: str
    event_type: str
    exchange: str
    correlation_id: str
    body: str


class Publisher(Protocol):
    def publish_batch(self, messages: Sequence[OutboundMessage]) -> tuple[set[str], dict[str, str]]:
        """Publish and wait for confirms; return (confirmed ids, {failed id: reason})."""


# PostgreSQL channel on which a commit that staged events wakes the relays of that database.
NOTIFY_CHANNEL = "zairyu_outbox"
# session.info key: the outbox tables the current transaction staged events in.
STAGED = "zairyu_staged_outbox"


@sa.event.listens_for(Session, "after_begin")
def _new_transaction(session: Session, _transaction: object, _connection: object) -> None:
    session.info.pop(STAGED, None)


def staged_in(session: Session, outbox: sa.Table) -> bool:
    """Did the transaction being committed stage events in ``outbox``? (Only then wake its relay.)"""
    return outbox in session.info.get(STAGED, ())


def add_event(session: Session, outbox: sa.Table, event: Envelope) -> None:
    """Stage an event in the caller's transaction. Never publish directly."""
    values = {
        "event_id": event.id,
        "event_type": event.type,
        "exchange": spec_for(event.type, event.version).exchange,
        "correlation_id": event.correlation_id,
        "body": event.to_json(),
        "created_at": datetime.now(UTC),
    }
    session.info.setdefault(STAGED, set()).add(outbox)
    session.execute(_stage_statement(outbox, session.get_bind().dialect.name), values)


_STAGE_COLUMNS = ("event_id", "event_type", "exchange", "correlation_id", "body", "created_at")


def _stage_statement(outbox: sa.Table, dialect: str) -> sa.Insert:
    def build() -> sa.Insert:
        if dialect != "postgresql":
            return outbox.insert()
        # INSERT ... SELECT FROM pg_notify(): the relays listening on this database wake when (and
        # only if) the transaction commits, at no extra round trip; no relay needs to poll.
        row = sa.select(*[sa.bindparam(c, type_=outbox.c[c].type) for c in _STAGE_COLUMNS])
        return outbox.insert().from_select(list(_STAGE_COLUMNS), row.select_from(sa.func.pg_notify(NOTIFY_CHANNEL, "")))

    return statement_once(("outbox", outbox, dialect), build)


def republish(
    session_factory: sessionmaker[Session], outbox: sa.Table, since: datetime, event_types: tuple[str, ...] = ()
) -> int:
    """Send again every event staged since ``since`` (after another service's database was restored).

    The rows become unsent and the relay publishes them once more under their own event ids: the
    restored service takes those its restored inbox has not seen, every other consumer's inbox drops
    them as duplicates. Reaches back only as far as sent rows are kept (the relay's retention).
    """
    o = outbox
    condition = o.c.created_at >= since
    if event_types:
        condition = sa.and_(condition, o.c.event_type.in_(event_types))
    with session_factory() as session, session.begin():
        done = session.connection().execute(
            o.update().where(condition, o.c.sent_at.is_not(None)).values(sent_at=None, attempts=0, last_error=None)
        )
        count = done.rowcount
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))  # wake the relays now
    return int(count)


class OutboxRelay:
    """Publishes unsent outbox rows in batches, each batch with a window of unconfirmed messages."""

    def __init__(
        self,
        service: str,
        session_factory: sessionmaker[Session],
        outbox: sa.Table,
        publisher: Publisher,
        batch_size: int = 500,
        idle_interval: float = 0.05,
        retention: timedelta = timedelta(days=1),
        listen_interval: float = 2.0,
    ) -> None:
        self.service = service
        self.session_factory = session_factory
        self.outbox = outbox
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.retention = retention
        self._wake = threading.Event()
        self._dialect = session_factory.kw["bind"].dialect.name
        self._last_purge = 0.0
        self.last_failures = 0
        # While LISTENing on PostgreSQL, a poll is only a safety net; otherwise it is how work is found.
        self.listen_interval = listen_interval
        self.listening = threading.Event()

    def wake(self) -> None:
        """Called after a commit that staged events, so the relay need not wait for its poll."""
        self._wake.set()

    def relay_once(self) -> int:
        """Publish one batch; return how many rows were marked sent."""
        o = self.outbox
        with self.session_factory() as session, session.begin():
            rows = session.execute(self._unsent_query()).all()
            if not rows:
                return 0
            try:
                confirmed, failed = self.publisher.publish_batch(rows)
            except Exception as exc:
                # The rows stay unsent and the next round tries again; the round's own log has the traceback.
                log.error(
                    "outbox batch not published",
                    extra={
                        "count": len(rows),
                        "event_ids": [row.event_id for row in rows],
                        "error": f"{type(exc).__name__}: {exc}"[:500],
                    },
                )
                raise
            now = datetime.now(UTC)
            if confirmed:
                session.execute(self._mark_sent(), {"ids": list(confirmed), "sent_now": now})
            for event_id, reason in failed.items():
                session.execute(
                    o.update()
                    .where(o.c.event_id == event_id)
                    .values(attempts=o.c.attempts + 1, last_error=reason[:2000])
                )
                log.error("outbox publish failed", extra={"event_id": event_id, "reason": reason})
        for row in rows:
            if row.event_id in confirmed:
                metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        self.last_failures = len(failed)
        return len(confirmed)

    def _unsent_query(self) -> sa.Select[Any]:
        def build() -> sa.Select[Any]:
            o = self.outbox
            query = (
                sa.select(o.c.seq, o.c.event_id, o.c.event_type, o.c.exchange, o.c.correlation_id, o.c.body)
                .where(o.c.sent_at.is_(None))
                .order_by(o.c.seq)
                .limit(self.batch_size)
            )
            # Several relay replicas may run; each takes rows no other holds.
            return query.with_for_update(skip_locked=True) if self._dialect == "postgresql" else query

        return statement_once(("relay", self.outbox, self._dialect, self.batch_size), build)

    def _mark_sent(self) -> sa.Update:
        o = self.outbox
        return statement_once(
            ("relay-sent", o),
            lambda: (
                o.update()
                .where(o.c.event_id.in_(sa.bindparam("ids", expanding=True)))
                .values(sent_at=sa.bindparam("sent_now"))
            ),
        )

    def observe_backlog(self) -> tuple[int, float]:
        o = self.outbox
        with self.session_factory() as session:
            count, oldest = session.execute(
                sa.select(sa.func.count(), sa.func.min(o.c.created_at)).where(o.c.sent_at.is_(None))
            ).one()
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite returns naive datetimes
                oldest = oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(age)
        return count, age

    def purge_sent(self) -> int:
        o = self.outbox
        cutoff = datetime.now(UTC) - self.retention
        with self.session_factory() as session, session.begin():
            # a DELETE's result is a CursorResult, which carries the row count
            done = cast(
                "sa.CursorResult[Any]",
                session.execute(o.delete().where(o.c.sent_at.is_not(None), o.c.sent_at < cutoff)),
            )
            return done.rowcount

    def drain(self, timeout: float = 30.0) -> None:
        """Publish until nothing is left (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.relay_once() == 0 and self.observe_backlog()[0] == 0:
                return
        raise TimeoutError(f"{self.service} outbox not drained within {timeout}s")

    def listen(self, stop: threading.Event) -> None:
        """PostgreSQL: wake the relay on every commit that staged events (see add_event), from any
        process writing this database. Reconnects after a loss and catches up with one round."""
        engine = self.session_factory.kw["bind"]
        while not stop.is_set():
            conn = None
            try:
                raw = engine.raw_connection()
                conn = raw.driver_connection
                raw.detach()  # a connection of its own, outside the pool, for as long as we listen
                conn.autocommit = True
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self.listening.set()
                self._wake.set()  # anything committed while nobody listened
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        self._wake.set()
            except Exception:
                log.warning("outbox listener lost its connection; polling until it is back", exc_info=True)
                stop.wait(1.0)
            finally:
                self.listening.clear()
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        pass

    def run(self, stop: threading.Event) -> None:
        if self._dialect == "postgresql":
            threading.Thread(target=self.listen, args=(stop,), name=f"{self.service}-relay-listen", daemon=True).start()
        last_observe = 0.0
        failing_rounds = 0
        while not stop.is_set():
            try:
                sent = self.relay_once()
            except Exception:  # the broker or database is away: back off, keep the rows
                log.exception("outbox relay round failed")
                sent = 0
                stop.wait(1.0)
            now = time.monotonic()
            if now - last_observe > 5:
                last_observe = now
                try:
                    self.observe_backlog()
                    if now - self._last_purge > 3600:
                        self._last_purge = now
                        self.purge_sent()
                except Exception:
                    log.exception("outbox observation failed")
            # An unroutable or nacked event stays unsent (and is counted in the backlog alert);
            # back off instead of re-publishing it every poll.
            failing_rounds = failing_rounds + 1 if self.last_failures else 0
            if failing_rounds:
                stop.wait(min(30.0, 0.1 * 2**failing_rounds))
            elif sent < self.batch_size:
                self._wake.wait(self.listen_interval if self.listening.is_set() else self.idle_interval)
                self._wake.clear()
