"""The event bus on kombu: topology, a confirming batch publisher, and idempotent consumers.

Topology: one durable topic exchange per producing service (``<service>.events``), one durable
queue per consuming handler (``<service>.<handler>``; quorum on RabbitMQ), routing key = event
type, and per queue a dead-letter exchange ``<queue>.dlx`` and queue ``<queue>.dlq``. The same
code runs on kombu's in-memory transport for the embedded run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.exceptions import OperationalError as BrokerUnreachable
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import logs, metrics
from .events import ContractError, Envelope, parse_message
from .events.registry import all_specs, exchange_for
from .inbox import record_many, record_once
from .outbox import OutboundMessage

log = logging.getLogger(__name__)

# (queue name, kombu message) as delivered; (message, queue name, event) once its contract is checked
_Delivery = tuple[str, Any]
_Parsed = tuple[Any, str, Envelope]

DELIVERY_LIMIT = 20  # broker-side safety net for a message that kills its consumer every time

# A queue the consumer has taken nothing from for this long is taken as empty: its age goes back to 0
# (the consumer may be busy with its other queues, so an idle round is not needed for that).
AGE_FORGOTTEN_AFTER = 60.0


class QueueAges:
    """zairyu_queue_message_age_seconds: how long the message last taken from each queue had waited since it
    was published (its AMQP timestamp, set by the relay). RabbitMQ exports no head-message timestamp for
    quorum queues; our consumers taking ten-minute-old messages say the same thing as a ten-minute-old head,
    since a queue is delivered in order. 0 once the queue has nothing more to give (ZairyuQueueBacklogOld)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._taken: dict[str, float] = {}  # queue -> monotonic time of the last message taken with an age

    def took(self, qname: str, message: Any) -> None:
        sent = message.properties.get("timestamp")
        if isinstance(sent, datetime):  # some transports decode it (naive UTC)
            sent = sent.replace(tzinfo=UTC).timestamp() if sent.tzinfo is None else sent.timestamp()
        if not isinstance(sent, int | float) or sent <= 0:
            return
        metrics.QUEUE_MESSAGE_AGE.labels(self.service, qname).set(max(0.0, time.time() - sent))
        self._taken[qname] = time.monotonic()

    def idle(self, everything: bool) -> None:
        """``everything``: a round of waiting brought nothing, so every queue is empty; otherwise only the queues
        nothing was taken from for AGE_FORGOTTEN_AFTER seconds."""
        now = time.monotonic()
        for qname, at in list(self._taken.items()):
            if everything or now - at > AGE_FORGOTTEN_AFTER:
                metrics.QUEUE_MESSAGE_AGE.labels(self.service, qname).set(0)
                del self._taken[qname]


@dataclass(frozen=True)
class Handler:
    """A consuming handler: its own queue, the event types it binds, and the function it runs.

    ``func(context, session, event)`` runs inside the transaction that records the event in the
    inbox; anything it stages in the outbox commits with it. ``context`` is the service's runtime.
    """

    name: str
    event_types: tuple[str, ...]
    func: Callable[[object, Session, Envelope], object]  # what it returns is not used

    def queue_name(self, service: str) -> str:
        return f"{service}.{self.name}"


def is_amqp(connection: Connection) -> bool:
    return connection.transport_cls in ("amqp", "pyamqp", "amqps") or connection.transport.driver_type == "amqp"


def producer_of(event_type: str) -> str:
    for spec in all_specs():
        if spec.type == event_type:
            return spec.producer
    raise KeyError(f"unknown event type {event_type!r}")


def queues_for(service: str, handler: Handler, amqp: bool) -> tuple[Queue, Queue, Exchange]:
    qname = handler.queue_name(service)
    dlx = Exchange(f"{qname}.dlx", type="fanout", durable=True)
    args = (
        {"x-queue-type": "quorum", "x-dead-letter-exchange": dlx.name, "x-delivery-limit": DELIVERY_LIMIT}
        if amqp
        else {}
    )
    bindings = [(Exchange(exchange_for(producer_of(t)), type="topic", durable=True), t) for t in handler.event_types]
    from kombu import binding

    queue = Queue(
        qname, bindings=[binding(ex, routing_key=rk) for ex, rk in bindings], durable=True, queue_arguments=args or None
    )
    dlq = Queue(
        f"{qname}.dlq",
        exchange=dlx,
        routing_key="#",
        durable=True,
        queue_arguments={"x-queue-type": "quorum"} if amqp else None,
    )
    return queue, dlq, dlx


def declare_topology(connection: Connection, service: str, handlers: Iterable[Handler]) -> None:
    """Idempotent: exchanges of every service, then this service's queues and dead-letter pairs."""
    channel = connection.default_channel
    for producer in sorted({s.producer for s in all_specs()}):
        Exchange(exchange_for(producer), type="topic", durable=True)(channel).declare()
    amqp = is_amqp(connection)
    for handler in handlers:
        queue, dlq, dlx = queues_for(service, handler, amqp)
        dlx(channel).declare()
        dlq(channel).declare()
        queue(channel).declare()


class KombuPublisher:
    """Publishes a batch with mandatory routing and waits for the confirms of the whole batch.

    Waiting per message caps the bus at ~1,000 events/s; a window of unconfirmed messages does
    not (measured-floors.md). On the in-memory transport there are no confirms to wait for.
    """

    def __init__(
        self, url: str, confirm_timeout: float = 30.0, transport_options: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        self.confirm_timeout = confirm_timeout
        self.transport_options = transport_options or {}
        self._conn: Connection | None = None
        self._channel: Any = None  # a kombu channel
        self._next_tag = 1
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._returned: dict[str, str] = {}

    def _ensure(self) -> Any:
        if self._conn is not None and self._conn.connected:
            return self._channel
        self.close()
        conn = self._conn = Connection(self.url, transport_options=self.transport_options)
        conn.ensure_connection(max_retries=3)
        self._channel = conn.channel()
        self._next_tag = 1
        if is_amqp(conn):
            self._channel.confirm_select()
            self._channel.events["basic_ack"].add(self._on_ack)
            self._channel.events["basic_nack"].add(self._on_nack)
            self._channel.events["basic_return"].add(self._on_return)
        return self._channel

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._settle(self._acked, tag, multiple)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._settle(self._nacked, tag, multiple)

    def _settle(self, into: set[int], tag: int, multiple: bool) -> None:
        if multiple:
            into.update(t for t in self._pending if t <= tag)
        else:
            into.add(tag)

    def _on_return(self, exc: object, exchange: str, routing_key: str, message: Any) -> None:
        self._returned[message.properties.get("message_id", "")] = f"unroutable: {exchange} {routing_key} ({exc})"

    def publish_batch(self, messages: Sequence[OutboundMessage]) -> tuple[set[str], dict[str, str]]:
        try:
            return self._publish_batch(messages)
        except Exception:
            self.close()  # the next batch reconnects; these rows stay unsent
            raise

    def _publish_batch(self, messages: Sequence[OutboundMessage]) -> tuple[set[str], dict[str, str]]:
        channel = self._ensure()
        conn = self._conn
        assert conn is not None  # _ensure connected
        producer = Producer(channel)
        amqp = is_amqp(conn)
        self._acked, self._nacked, self._returned = set(), set(), {}
        self._pending: dict[int, str] = {}
        for m in messages:
            producer.publish(
                m.body.encode("utf-8"),
                exchange=m.exchange,
                routing_key=m.event_type,
                content_type="application/json",
                content_encoding="binary",
                delivery_mode=2,
                mandatory=amqp,
                retry=False,
                message_id=m.event_id,
                correlation_id=m.correlation_id,
                type=m.event_type,
                # when it left the outbox: the consumers' zairyu_queue_message_age_seconds (alert
                # ZairyuQueueBacklogOld) is measured from it
                timestamp=int(time.time()),
            )
            self._pending[self._next_tag] = m.event_id
            self._next_tag += 1
        if not amqp:
            return {m.event_id for m in messages}, {}
        deadline = time.monotonic() + self.confirm_timeout
        while len(self._acked) + len(self._nacked) < len(self._pending):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._pending) - len(self._acked)} publisher confirms outstanding")
            try:
                conn.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
        confirmed: set[str] = set()
        failed: dict[str, str] = {}
        for tag, event_id in self._pending.items():
            if event_id in self._returned:
                failed[event_id] = self._returned[event_id]
            elif tag in self._nacked:
                failed[event_id] = "nacked by broker"
            elif tag in self._acked:
                confirmed.add(event_id)
        return confirmed, failed

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:
                pass
        self._conn = None
        self._channel = None


class PoisonMessage(Exception):
    pass


@dataclass
class RetryPolicy:
    attempts: int = 5  # handler failures before the message is dead-lettered
    base_delay: float = 0.1
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))


TRANSIENT = (OperationalError, DisconnectionError)


def _is_transient(exc: BaseException) -> bool:
    # The database went away: wait for it (the message stays unacked), never dead-letter for that.
    return isinstance(exc, TRANSIENT) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


@dataclass
class EventConsumer:
    """Consumes one service's queues: validate, record in inbox + apply effect, commit, then ack."""

    service: str
    url: str
    handlers: list[Handler]
    session_factory: sessionmaker[Session]
    inbox: sa.Table
    prefetch: int = 200
    batch_size: int = 100
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    on_commit: Callable[[], None] | None = None
    transport_options: dict[str, Any] = field(default_factory=dict)
    context: object = None

    def __post_init__(self) -> None:
        self._by_queue = {h.queue_name(self.service): h for h in self.handlers}
        self._dlq_conn: Connection | None = None
        self._ages = QueueAges(self.service)

    # -- the loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        delay = 0.5
        while not stop.is_set():
            conn = Connection(self.url, transport_options=self.transport_options)
            try:
                conn.ensure_connection(max_retries=3, interval_start=0.5, interval_step=0.5, interval_max=2)
                self._consume(conn, stop, ready)
                delay = 0.5
            # BrokerUnreachable: kombu's wrapper once its own retries are spent (a broker restart that
            # takes longer than them); it is neither a connection error nor an OSError, and uncaught it
            # ended this thread while the process looked healthy.
            except conn.connection_errors + (OSError, BrokerUnreachable) as exc:
                log.warning("bus connection lost, reconnecting", extra={"error": str(exc)})
                stop.wait(delay)
                delay = min(delay * 2, 10)
            finally:
                try:
                    conn.release()
                except Exception:
                    pass
                self._close_dlq()

    def _consume(self, conn: Connection, stop: threading.Event, ready: threading.Event | None) -> None:
        declare_topology(conn, self.service, self.handlers)
        amqp = self._amqp = is_amqp(conn)
        channel = conn.channel()
        channel.basic_qos(0, self.prefetch, False)
        batch: list[_Delivery] = []
        consumers = []

        def took(qname: str, message: Any) -> None:
            batch.append((qname, message))
            self._ages.took(qname, message)

        for handler in self.handlers:
            qname = handler.queue_name(self.service)
            queue = queues_for(self.service, handler, amqp)[0]
            consumers.append(
                Consumer(
                    channel,
                    queues=[queue],
                    no_ack=False,
                    accept=None,
                    on_message=lambda m, q=qname: took(q, m),
                )
            )
        for consumer in consumers:
            consumer.consume()
        try:
            if ready is not None:
                ready.set()
            while not stop.is_set():
                try:
                    conn.drain_events(timeout=0.5)
                    while len(batch) < self.batch_size:
                        conn.drain_events(timeout=0.002)
                except TimeoutError:
                    pass
                if batch:
                    taken, batch[:] = list(batch), []
                    self.process(taken, stop)
                    self._ages.idle(everything=False)
                else:  # half a second with nothing delivered and nothing held: every queue is empty
                    self._ages.idle(everything=True)
        finally:
            for consumer in consumers:
                try:
                    consumer.cancel()
                except Exception:
                    pass

    def process(self, messages: list[_Delivery], stop: threading.Event | None = None) -> None:
        """Handle a batch of (queue, message): contract check, then effects in one transaction, ack after commit."""
        valid: list[_Parsed] = []
        for qname, message in messages:
            try:
                event = parse_message(message.body)
            except ContractError as exc:
                self._dead_letter(message, qname, exc.reason, str(exc))
                continue
            valid.append((message, qname, event))
        if not valid:
            return
        if len(valid) > 1:
            failed = self._apply_batch(valid)
        else:
            failed = valid
        for message, qname, event in failed:
            self._apply_with_retries(message, qname, event, stop)

    def _apply_batch(self, valid: list[_Parsed]) -> list[_Parsed]:
        """Many messages, one commit (one fsync), one inbox statement.

        If any handler raises, the whole batch rolls back and every message is retried on its
        own, so one poison message costs its neighbours only a second attempt, never an effect.
        """
        started = time.perf_counter()
        try:
            with self.session_factory() as session, session.begin():
                fresh = record_many(session, self.inbox, [(q, e) for _m, q, e in valid])
                outcomes = []
                for _message, qname, event in valid:
                    if (qname, event.id) in fresh:
                        fresh.discard((qname, event.id))  # the same event twice in one batch: once
                        with logs.correlated(event.correlation_id):
                            self._by_queue[qname].func(self.context, session, event)
                        outcomes.append("ok")
                    else:
                        outcomes.append("duplicate")
        except Exception as exc:
            # Nothing of the batch committed and each message is retried on its own next: say so, with
            # what failed, or a batch that keeps failing only shows as slower consumption.
            log.warning(
                "consumer batch rolled back; retrying its messages one by one",
                extra={
                    "count": len(valid),
                    "event_ids": [e.id for _m, _q, e in valid],
                    "error": f"{type(exc).__name__}: {exc}"[:500],
                },
                exc_info=True,
            )
            return valid
        self._after_commit()
        elapsed = (time.perf_counter() - started) / len(valid)
        # Everything before the newest delivery on this channel is settled: one multiple-ack.
        # (kombu's virtual transports ignore `multiple`, so they get one ack each.)
        if self._amqp:
            max((m for m, _q, _e in valid), key=lambda m: m.delivery_tag).ack(multiple=True)
        else:
            for message, _q, _e in valid:
                message.ack()
        for (_message, qname, event), outcome in zip(valid, outcomes):
            self._count(qname, event, outcome, elapsed)
        return []

    def _apply(self, session: Session, qname: str, event: Envelope) -> str:
        if not record_once(session, self.inbox, qname, event):
            return "duplicate"
        with logs.correlated(event.correlation_id):
            self._by_queue[qname].func(self.context, session, event)
        return "ok"

    def _apply_with_retries(self, message: Any, qname: str, event: Envelope, stop: threading.Event | None) -> None:
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                with self.session_factory() as session, session.begin():
                    outcome = self._apply(session, qname, event)
                self._after_commit()
            except Exception as exc:
                if _is_transient(exc):
                    log.warning("database unavailable, holding message", extra={"event_id": event.id})
                    if stop is not None and stop.wait(self.retry.max_delay):
                        return  # shutting down: the unacked message is redelivered later
                    continue
                attempt += 1
                metrics.EVENTS_FAILED.labels(self.service, qname, event.type).inc()
                with logs.correlated(event.correlation_id):
                    log.exception("handler failed", extra={"event_id": event.id, "attempt": attempt})
                if attempt >= self.retry.attempts:
                    self._dead_letter(message, qname, "handler_error", f"{type(exc).__name__}: {exc}")
                    return
                time.sleep(self.retry.delay(attempt))
                continue
            # Outside the handler's try: a broker lost here is not a handler failure (counting it as one
            # dead-lettered committed events). It reaches the consume loop, which reconnects; the
            # redelivered message is then a duplicate for the inbox.
            message.ack()
            self._count(qname, event, outcome, time.perf_counter() - started)
            return

    def _count(self, qname: str, event: Envelope, outcome: str, seconds: float) -> None:
        metrics.EVENTS_CONSUMED.labels(self.service, qname, event.type, outcome).inc()
        metrics.HANDLER_LATENCY.labels(self.service, qname).observe(seconds)

    def _after_commit(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

    # -- dead letters ------------------------------------------------------------------------
    def _dead_letter(self, message: Any, qname: str, reason: str, error: str) -> None:
        """Publish to the queue's DLX with the reason (confirmed), then ack the original."""
        if self._dlq_conn is None:
            self._dlq_conn = Connection(self.url, transport_options={**self.transport_options, "confirm_publish": True})
        props = message.properties or {}
        headers = dict(message.headers or {})
        headers.update(
            {
                "x-zairyu-reason": reason,
                "x-zairyu-error": error[:2000],
                "x-zairyu-queue": qname,
                "x-zairyu-original-exchange": message.delivery_info.get("exchange", ""),
                "x-zairyu-original-routing-key": message.delivery_info.get("routing_key", ""),
                "x-zairyu-dead-lettered-at": datetime.now(UTC).isoformat(),
            }
        )
        producer = Producer(self._dlq_conn.default_channel)
        producer.publish(
            message.body,
            exchange=f"{qname}.dlx",
            routing_key=message.delivery_info.get("routing_key", ""),
            headers=headers,
            content_type=props.get("content_type") or message.content_type or "application/octet-stream",
            content_encoding="binary",
            delivery_mode=2,
            message_id=props.get("message_id"),
            correlation_id=props.get("correlation_id"),
            type=props.get("type"),
            retry=True,
        )
        message.ack()
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, qname, reason).inc()
        metrics.EVENTS_CONSUMED.labels(self.service, qname, props.get("type") or "unknown", "dead_lettered").inc()
        log.error("message dead-lettered", extra={"queue": qname, "reason": reason, "error": error[:500]})

    def _close_dlq(self) -> None:
        if self._dlq_conn is not None:
            try:
                self._dlq_conn.release()
            except Exception:
                pass
            self._dlq_conn = None
