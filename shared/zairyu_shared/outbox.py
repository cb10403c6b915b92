"""Transactional outbox: events are written with the state change, and a relay publishes them.

A crash between commit and publish loses nothing (the row stays unsent); a crash between publish
and mark-sent publishes the event again, which the consumers' inbox absorbs.

A personal event's body (its spec's ``personal``, naming an ``applicant_id``) is stored sealed under that
person's data key (``zk1:<applicant id>:<Fernet token>``, zairyu_shared.subject_keys) in services that keep
per-person keys: sent rows are kept a day (retention ``outbox_sent``) and so are in the backups, and
destroying the person's key must leave them unreadable there too (issue 20). The relay opens the body just
before publishing; the broker and the consumers see the plain JSON as before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from . import crypto, metrics
from .crypto import SubjectErased
from .db import reading, statement_once
from .events import Envelope, parse_message
from .events.registry import spec_for
from .subject_keys import current_seal, session_key

if TYPE_CHECKING:
    from .subject_keys import Keyring

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
# The payload field naming the person a personal event is about (every such contract has it).
SUBJECT_FIELD = "applicant_id"
SEALED_PREFIX = crypto.SUBJECT_PREFIX.decode("ascii")


@sa.event.listens_for(Session, "after_begin")
def _new_transaction(session: Session, _transaction: object, _connection: object) -> None:
    session.info.pop(STAGED, None)


def staged_in(session: Session, outbox: sa.Table) -> bool:
    """Did the transaction being committed stage events in ``outbox``? (Only then wake its relay.)"""
    return outbox in session.info.get(STAGED, ())


def add_event(
    session: Session,
    outbox: sa.Table,
    event: Envelope,
    keyring: Keyring | None = None,
    seal_subject: Callable[[Envelope], str] | None = None,
) -> None:
    """Stage an event in the caller's transaction. Never publish directly. With the service's ``keyring``, a
    personal event's body is stored sealed under its person's data key (``seal_body``), or under the key
    ``seal_subject`` names when the service gives one (signing: a key per day, ServiceDefinition.outbox_seal_subject)."""
    spec = spec_for(event.type, event.version)
    body = event.to_json()
    subject = event.payload.get(SUBJECT_FIELD) if keyring is not None and spec.personal else None
    if subject and seal_subject is not None:
        subject = seal_subject(event)
    values = {
        "event_id": event.id,
        "event_type": event.type,
        "exchange": spec.exchange,
        "correlation_id": event.correlation_id,
        "body": seal_body(session, cast("Keyring", keyring), str(subject), body) if subject else body,
        "created_at": datetime.now(UTC),
    }
    # On the session's connection: a Core INSERT needs none of the ORM's bookkeeping (the handler's own rows
    # are flushed at commit as ever; the outbox has no foreign key to them).
    session.connection().execute(_stage_statement(outbox, session.get_bind().dialect.name), values)
    # After the statement: a transaction it begins would forget a mark made before it (_new_transaction).
    session.info.setdefault(STAGED, set()).add(outbox)


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


def seal_body(session: Session, keyring: Keyring, subject: str, body: str) -> str:
    """``body`` sealed under ``subject``'s data key, made in this transaction if they have none yet; raises
    SubjectErased for an erased person (nothing new is kept about them, as for every other write).

    The key is the open ``sealing`` scope's when it is that person's, else the one this transaction already
    wrote with (``subject_keys.session_key``: one look-up per person and transaction, often none)."""
    seal = current_seal()
    key = seal[1] if seal is not None and seal[0] == subject else session_key(session, keyring, subject)
    return crypto.subject_token(subject, key.encrypt(body.encode("utf-8"))).decode("ascii")


def open_body(body: str, keyring: Keyring | None) -> str:
    """An outbox row's event JSON, whether it was stored sealed or plain. SubjectErased once the person's key is
    destroyed (the body is then unreadable, in this database and in every backup of it)."""
    if not body.startswith(SEALED_PREFIX):
        return body
    parts = crypto.split_subject_token(body.encode("ascii"))
    if keyring is None or parts is None:
        raise RuntimeError("a sealed outbox body needs the service's keyring to be read")
    return keyring.open(*parts).decode("utf-8")


def _subject_of(body: str) -> str:
    return body[len(SEALED_PREFIX) :].partition(":")[0]


def _personal_subject(body: str) -> str | None:
    """The person a plain stored body would be sealed under now (None: not a personal event)."""
    try:
        event = json.loads(body)
        spec = spec_for(event["type"], event["version"])
    except (ValueError, KeyError, TypeError):
        return None
    subject = event.get("payload", {}).get(SUBJECT_FIELD) if spec.personal else None
    return str(subject) if subject else None


def seal_stored_bodies(
    engine: sa.Engine,
    outbox: sa.Table,
    keyring: Keyring,
    batch: int = 500,
    seal_subject: Callable[[Envelope], str] | None = None,
) -> dict[str, int]:
    """``rotate-keys``: bodies of personal events stored plain (staged before bodies were sealed) go under their
    person's data key (or ``seal_subject``'s, as ``add_event``), a batch per short transaction while the service
    runs. Each update is conditional on the body read (a row changed meanwhile is counted ``outbox_raced``); an
    erased person's plain body cannot be sealed (``outbox_erased_left``; a sent row goes with the day's purge)."""
    o = outbox
    report = {"outbox_bodies_sealed": 0, "outbox_erased_left": 0, "outbox_raced": 0}
    last = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(o.c.seq, o.c.body)
                .where(o.c.seq > last, ~o.c.body.startswith(SEALED_PREFIX))
                .order_by(o.c.seq)
                .limit(batch)
            ).all()
            for seq, body in rows:
                last = seq
                subject = _personal_subject(body)
                if subject is None:
                    continue
                if seal_subject is not None:
                    subject = seal_subject(parse_message(body))
                try:
                    key = keyring.key_for_writing(conn, subject)
                except SubjectErased:
                    report["outbox_erased_left"] += 1
                    continue
                sealed = crypto.subject_token(subject, key.encrypt(body.encode("utf-8"))).decode("ascii")
                done = conn.execute(o.update().where(o.c.seq == seq, o.c.body == body).values(body=sealed)).rowcount
                report["outbox_bodies_sealed" if done else "outbox_raced"] += 1
        if len(rows) < batch:
            return report


def plain_personal_bodies(engine: sa.Engine, outbox: sa.Table) -> int:
    """How many stored bodies of personal events are not sealed (``rotate-keys --check``: 0 once all are)."""
    with engine.connect() as conn:
        bodies = conn.execute(sa.select(outbox.c.body).where(~outbox.c.body.startswith(SEALED_PREFIX))).scalars()
        return sum(1 for body in bodies if _personal_subject(body) is not None)


class _Opened(NamedTuple):
    """A sealed row as it is published: the same fields, the body opened."""

    event_id: str
    event_type: str
    exchange: str
    correlation_id: str
    body: str


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
        keyring: Keyring | None = None,
    ) -> None:
        self.service = service
        self.session_factory = session_factory
        self.outbox = outbox
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.retention = retention
        self.keyring = keyring  # opens sealed bodies (the service's per-person keys); None: every body is plain
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
            db = session.connection()  # Core statements: none of the ORM's bookkeeping
            rows = db.execute(self._unsent_query()).all()
            if not rows:
                return 0
            messages, erased = self._open(session, rows)
            try:
                confirmed, failed = self.publisher.publish_batch(messages) if messages else (set(), {})
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
                db.execute(self._mark_sent(), {"ids": list(confirmed), "sent_now": now})
            if erased:
                # Never sent: the person was erased after the event was staged. Marked sent (with why) so it
                # leaves the backlog and is purged with the sent rows.
                session.execute(
                    o.update()
                    .where(o.c.event_id.in_(erased))
                    .values(sent_at=now, last_error="not published: its person was erased")
                )
                log.warning("outbox events of erased people not published", extra={"event_ids": erased})
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
        return len(confirmed) + len(erased)

    def _open(self, session: Session, rows: Sequence[Any]) -> tuple[list[Any], list[str]]:
        """The batch as published: sealed bodies opened (their people's keys read with one query for the batch,
        unless cached), and the ids of those whose person was erased (their key is gone: they cannot be)."""
        ring = self.keyring
        if ring is None or not any(row.body.startswith(SEALED_PREFIX) for row in rows):
            return list(rows), []  # plain bodies (a service without per-person keys, organisation events)
        ring.preload(
            session.connection(), {_subject_of(row.body) for row in rows if row.body.startswith(SEALED_PREFIX)}
        )
        messages: list[Any] = []
        erased: list[str] = []
        for row in rows:
            if not row.body.startswith(SEALED_PREFIX):
                messages.append(row)
                continue
            try:
                body = open_body(row.body, ring)
            except SubjectErased:
                erased.append(row.event_id)
                continue
            messages.append(_Opened(row.event_id, row.event_type, row.exchange, row.correlation_id, body))
        return messages, erased

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

        def build() -> sa.Update:
            if self._dialect == "postgresql":
                # = ANY(array): one statement text whatever the batch's size, so psycopg prepares it; an expanding
                # IN was a new text for each size, parsed and planned on every round (the unique index serves both)
                ids = o.c.event_id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))
            else:
                ids = o.c.event_id.in_(sa.bindparam("ids", expanding=True))
            return o.update().where(ids).values(sent_at=sa.bindparam("sent_now"))

        return statement_once(("relay-sent", o, self._dialect), build)

    def observe_backlog(self) -> tuple[int, float]:
        o = self.outbox
        with reading(self.session_factory.kw["bind"]) as conn:
            count, oldest = conn.execute(
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
                if stop.is_set():  # stopping: the connection may be closed under it (a dropped test database)
                    return
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
