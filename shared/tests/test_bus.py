"""The spine, end to end: outbox -> bus -> idempotent consumer, on both transports."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Producer
from spine_service import FAILING, ledger

from zairyu_shared import metrics
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing import free_port, wait_until


def registration(applicant_id: str):
    return new_event(
        "applicant.registered",
        {
            "applicant_id": applicant_id,
            "email": f"{applicant_id}@example.jp",
            "language": "en",
            "display_name": applicant_id,
        },
        source="intake",
        correlation_id=applicant_id,
    )


def stage(rt, ids):
    events = [registration(i) for i in ids]
    with transaction(rt.session_factory) as session:
        for e in events:
            rt.stage(session, e)
    return events


def ledger_rows(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(ledger.c.applicant_id)).scalars().all()


def unsent(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).where(rt.outbox.c.sent_at.is_(None))).scalar()


def queue_name(rt):
    return rt.handlers()[0].queue_name(rt.name)


def consumed(rt, outcome):
    return metrics.EVENTS_CONSUMED.labels(rt.name, queue_name(rt), "applicant.registered", outcome)._value.get()


def dead_letters(rt):
    """Take everything from the consumer's DLQ (works on both transports)."""
    got = []
    with Connection(rt.settings.amqp_url, transport_options=rt.transport_options) as conn:
        channel = conn.channel()
        while True:
            message = channel.basic_get(f"{queue_name(rt)}.dlq", no_ack=True)
            if message is None:
                return got
            got.append(message)


def test_staged_events_are_published_and_applied_exactly_once(runtime):
    runtime.start_background(relay=False)
    stage(runtime, [f"a-{i}" for i in range(40)])
    runtime.relay.drain()
    wait_until(lambda: len(ledger_rows(runtime)) >= 40, message="40 registrations applied")
    assert sorted(ledger_rows(runtime)) == sorted(f"a-{i}" for i in range(40))
    assert unsent(runtime) == 0
    assert runtime.relay.observe_backlog() == (0, 0.0)


def test_nothing_is_published_when_the_state_change_rolls_back(runtime):
    runtime.start_background(relay=False)
    with pytest.raises(RuntimeError):
        with transaction(runtime.session_factory) as session:
            runtime.stage(session, registration("ghost"))
            raise RuntimeError("the state change failed")
    stage(runtime, ["real"])
    runtime.relay.drain()
    wait_until(lambda: ledger_rows(runtime) == ["real"], message="only the committed event")


class DiesAfterPublishing:
    """The relay publishes (confirmed by the broker) and dies before marking rows sent."""

    def __init__(self, inner):
        self.inner = inner

    def publish_batch(self, rows):
        self.inner.publish_batch(rows)
        raise RuntimeError("relay killed between publish and mark-sent")


def test_relay_dying_between_publish_and_mark_sent_publishes_again_and_inbox_absorbs_it(runtime):
    runtime.start_background(relay=False)
    ids = [f"d-{i}" for i in range(25)]
    stage(runtime, ids)
    real = runtime.relay.publisher
    runtime.relay.publisher = DiesAfterPublishing(real)
    with pytest.raises(RuntimeError):
        runtime.relay.relay_once()
    assert unsent(runtime) == 25  # the mark-sent never committed
    runtime.relay.publisher = real
    runtime.relay.drain()  # publishes all 25 a second time
    wait_until(lambda: consumed(runtime, "duplicate") >= 25, message="25 redeliveries absorbed")
    assert sorted(ledger_rows(runtime)) == sorted(ids)
    assert consumed(runtime, "ok") == 25


def test_a_handler_that_keeps_failing_is_dead_lettered_after_the_retry_bound(runtime):
    FAILING["applicant_ids"].add("poison")
    runtime.start_background(relay=False)
    stage(runtime, ["good-1", "poison", "good-2"])
    runtime.relay.drain()
    wait_until(lambda: sorted(ledger_rows(runtime)) == ["good-1", "good-2"], message="good ones applied")
    letters = wait_until(lambda: dead_letters(runtime), message="a dead letter")
    assert len(letters) == 1
    assert letters[0].headers["x-zairyu-reason"] == "handler_error"
    assert "cannot handle poison" in letters[0].headers["x-zairyu-error"]
    assert json.loads(letters[0].body)["payload"]["applicant_id"] == "poison"
    failed = metrics.EVENTS_FAILED.labels(runtime.name, queue_name(runtime), "applicant.registered")._value.get()
    assert failed == runtime.settings.handler_attempts


def test_a_published_event_carries_the_time_it_left_the_outbox(runtime):
    """The consumers' message age (the backlog alert and the dashboard's message-age panel) is measured from it."""
    from kombu import Queue

    with Connection(runtime.settings.amqp_url, transport_options=runtime.transport_options) as conn:
        probe = Queue(
            f"probe-{os.getpid()}-{time.monotonic_ns()}",
            Exchange("intake.events", type="topic", durable=True),
            routing_key="applicant.registered",
            auto_delete=True,
        )
        probe(conn.default_channel).declare()
        before = int(time.time())
        stage(runtime, ["stamped"])
        assert runtime.relay.relay_once() == 1
        message = wait_until(
            lambda: conn.default_channel.basic_get(probe.name, no_ack=True), message="the event on the probe queue"
        )
        assert before - 1 <= message.properties["timestamp"] <= int(time.time()) + 1


def test_consumers_report_how_long_a_taken_message_waited_and_zero_once_the_queue_is_empty(runtime, monkeypatch):
    """zairyu_queue_message_age_seconds (alert ZairyuQueueBacklogOld): an event that left its outbox 11 minutes
    ago is taken at about 660 s of age; the queue empty again, the age is 0."""
    from zairyu_shared import bus

    ages = []
    gauge = metrics.QUEUE_MESSAGE_AGE.labels(runtime.name, queue_name(runtime))
    took = bus.QueueAges.took

    def recording(self, qname, message):
        took(self, qname, message)
        ages.append(gauge._value.get())

    monkeypatch.setattr(bus.QueueAges, "took", recording)
    runtime.start_background(relay=False)
    event = registration("late")
    with Connection(runtime.settings.amqp_url, transport_options=runtime.transport_options) as conn:
        Producer(conn.default_channel).publish(
            event.to_json().encode(),
            exchange=Exchange("intake.events", type="topic", durable=True),
            routing_key=event.type,
            content_type="application/json",
            content_encoding="binary",
            message_id=event.id,
            type=event.type,
            timestamp=int(time.time()) - 660,
        )
    wait_until(lambda: ledger_rows(runtime) == ["late"], message="the late event applied")
    assert len(ages) == 1 and 655 <= ages[0] <= 700, ages
    wait_until(lambda: gauge._value.get() == 0, message="age back to 0 once nothing is left to take")


def test_a_queue_nothing_was_taken_from_for_a_while_is_counted_empty(monkeypatch):
    """A consumer busy with its other queues never has an idle round: a queue's age is forgotten after
    AGE_FORGOTTEN_AFTER seconds without a message from it, and not before."""
    from types import SimpleNamespace

    from zairyu_shared import bus

    ages = bus.QueueAges("agesvc")
    busy, quiet = (
        metrics.QUEUE_MESSAGE_AGE.labels("agesvc", "busy"),
        metrics.QUEUE_MESSAGE_AGE.labels("agesvc", "quiet"),
    )
    ages.took("quiet", SimpleNamespace(properties={"timestamp": int(time.time()) - 900}))
    ages.took("busy", SimpleNamespace(properties={}))  # no timestamp (a replayed dead letter): no age
    assert quiet._value.get() >= 899 and busy._value.get() == 0
    ages.idle(everything=False)
    assert quiet._value.get() >= 899  # taken just now
    monkeypatch.setattr(bus, "AGE_FORGOTTEN_AFTER", -1.0)  # any time since is longer
    ages.idle(everything=False)
    assert quiet._value.get() == 0


def test_a_schema_invalid_message_is_dead_lettered_with_its_reason(runtime):
    runtime.start_background(relay=False)
    bad = registration("x").to_dict()
    bad["payload"]["individual_number"] = "123456789012"
    with Connection(runtime.settings.amqp_url, transport_options=runtime.transport_options) as conn:
        Producer(conn.default_channel).publish(
            json.dumps(bad).encode(),
            exchange=Exchange("intake.events", type="topic", durable=True),
            routing_key="applicant.registered",
            content_type="application/json",
            content_encoding="binary",
            message_id=bad["id"],
        )
    letters = wait_until(lambda: dead_letters(runtime), message="the invalid message dead-lettered")
    assert letters[0].headers["x-zairyu-reason"] == "invalid_payload"
    assert "individual_number" in letters[0].headers["x-zairyu-error"]
    assert ledger_rows(runtime) == []


def test_replay_tool_puts_dead_letters_back_and_they_are_applied(runtime, transport, capsys):
    if transport != "rabbitmq":
        pytest.skip("zairyu-bus is the RabbitMQ operators' tool (pika)")
    from zairyu_shared import bus_cli

    FAILING["applicant_ids"].add("late")
    runtime.start_background(relay=False)
    stage(runtime, ["late"])
    runtime.relay.drain()
    dlq = f"{queue_name(runtime)}.dlq"
    wait_until(lambda: _dlq_count(runtime.settings.amqp_url, dlq) == 1, message="dead letter present")
    assert bus_cli.main(["--url", runtime.settings.amqp_url, "dlq", "show", dlq, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown[0]["reason"] == "handler_error" and shown[0]["type"] == "applicant.registered"
    assert _dlq_count(runtime.settings.amqp_url, dlq) == 1  # show leaves it in place
    FAILING["applicant_ids"].clear()  # the bug is fixed
    assert bus_cli.main(["--url", runtime.settings.amqp_url, "dlq", "replay", dlq]) == 0
    wait_until(lambda: ledger_rows(runtime) == ["late"], message="replayed message applied")
    assert _dlq_count(runtime.settings.amqp_url, dlq) == 0


def _dlq_count(url, name):
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return conn.channel().queue_declare(name, passive=True).method.message_count
    finally:
        conn.close()


def test_relay_killed_with_sigkill_after_publishing_loses_and_duplicates_nothing(runtime, transport):
    if transport != "rabbitmq":
        pytest.skip("a separate process needs a real broker")
    runtime.start_background(relay=False)
    ids = [f"k-{i}" for i in range(30)]
    stage(runtime, ids)
    script = Path(__file__).with_name("relay_then_die.py")
    env = {
        **os.environ,
        "DATABASE_URL": runtime.settings.database_url,
        "AMQP_URL": runtime.settings.amqp_url,
        "SVC": runtime.name,
        "PYTHONPATH": str(Path(__file__).parent),
    }
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert unsent(runtime) == 30
    wait_until(lambda: len(ledger_rows(runtime)) == 30, message="first publication applied")
    runtime.relay.drain()
    wait_until(lambda: consumed(runtime, "duplicate") >= 30, message="second publication absorbed")
    assert sorted(ledger_rows(runtime)) == sorted(ids)


class _AckOnLostBroker:
    """A delivery whose ack fails because the broker went away (e.g. RabbitMQ restarting)."""

    def __init__(self, body: bytes):
        self.body, self.headers, self.properties = body, {}, {}
        self.delivery_info, self.content_type, self.acks = (
            {"routing_key": "applicant.registered"},
            "application/json",
            0,
        )

    def ack(self, multiple=False):
        self.acks += 1
        raise ConnectionResetError(104, "Connection reset by peer")


def test_a_broker_lost_at_ack_is_a_reconnect_not_a_handler_failure(runtime):
    runtime.declare()
    consumer = runtime.consumer()
    consumer._amqp = False
    message = _AckOnLostBroker(registration("acked-into-the-void").to_json().encode())
    with pytest.raises(ConnectionResetError):  # up to the consume loop, which reconnects
        consumer.process([(queue_name(runtime), message)])
    assert message.acks == 1 and ledger_rows(runtime) == ["acked-into-the-void"]
    assert dead_letters(runtime) == []  # the effect is committed: no dead letter for it
    assert metrics.EVENTS_FAILED.labels(runtime.name, queue_name(runtime), "applicant.registered")._value.get() == 0


class _Delivery:
    """A delivery handed to ``process`` directly, so the batch is exactly the one the test builds."""

    def __init__(self, body: bytes):
        self.body, self.headers, self.properties = body, {}, {}
        self.delivery_info, self.content_type, self.acks = (
            {"routing_key": "applicant.registered"},
            "application/json",
            0,
        )

    def ack(self, multiple=False):
        self.acks += 1


def test_a_failed_consumer_batch_is_logged_with_its_error_count_and_ids(runtime, caplog):
    """Issue 15: a batch whose transaction failed was retried message by message without a word."""
    FAILING["applicant_ids"].add("poison")
    runtime.declare()
    consumer = runtime.consumer()
    consumer._amqp = False
    events = [registration(i) for i in ("batch-1", "poison", "batch-2")]
    with caplog.at_level(logging.WARNING, logger="zairyu_shared.bus"):
        consumer.process([(queue_name(runtime), _Delivery(e.to_json().encode())) for e in events])
    records = [r for r in caplog.records if r.getMessage().startswith("consumer batch rolled back")]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    assert records[0].count == 3 and records[0].event_ids == [e.id for e in events]
    assert "RuntimeError: cannot handle poison" in records[0].error
    assert sorted(ledger_rows(runtime)) == ["batch-1", "batch-2"]  # then each on its own, as before


@pytest.mark.parametrize(
    "transport", ["memory"]
)  # the broker is replaced by a closed port: once is enough (12 s of retries)
def test_an_unpublished_outbox_batch_is_logged_with_its_error_count_and_ids(runtime, caplog, monkeypatch):
    from kombu import Connection

    from zairyu_shared.bus import KombuPublisher

    # the publisher still tries the closed port its 3 times, without kombu's 2 + 4 + 6 s between them
    ensure = Connection.ensure_connection
    monkeypatch.setattr(
        Connection,
        "ensure_connection",
        lambda self, **kw: ensure(self, **{**kw, "interval_start": 0, "interval_step": 0.05, "interval_max": 0.05}),
    )
    events = stage(runtime, ["unsent-1", "unsent-2"])
    port = free_port()  # a port nobody listens on: the broker is away
    runtime.relay.publisher = KombuPublisher(f"amqp://guest:guest@127.0.0.1:{port}//", confirm_timeout=1)
    with caplog.at_level(logging.ERROR, logger="zairyu_shared.outbox"), pytest.raises(Exception):
        runtime.relay.relay_once()
    records = [r for r in caplog.records if r.getMessage() == "outbox batch not published"]
    assert len(records) == 1 and records[0].count == 2
    assert sorted(records[0].event_ids) == sorted(e.id for e in events) and records[0].error
    assert unsent(runtime) == 2


STAGE_ELSEWHERE = """
import sys
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.outbox import add_event

engine = sa.create_engine(sys.argv[1])
outbox = sa.Table(sys.argv[2], sa.MetaData(), autoload_with=engine)
event = new_event("applicant.registered", {"applicant_id": "elsewhere", "email": "elsewhere@example.jp",
                  "language": "en", "display_name": "elsewhere"}, source="intake", correlation_id="elsewhere")
with transaction(sessionmaker(bind=engine)) as session:
    add_event(session, outbox, event)
"""


def test_a_commit_from_another_process_wakes_the_relay_without_polling(runtime, transport):
    """On PostgreSQL the relay LISTENs: an event committed by another process (as intake's web
    workers do) is published at once, though the relay's poll is set to a minute. Without the
    notification this test waits a minute and fails."""
    if transport != "rabbitmq":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; the embedded run wakes the relay in-process")
    runtime.relay.idle_interval = runtime.relay.listen_interval = 60.0
    runtime.start_background()
    wait_until(runtime.relay.listening.is_set, timeout=10, message="relay listening")
    time.sleep(0.3)  # the relay's catch-up round is done; it now sleeps on its minute-long poll
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", STAGE_ELSEWHERE, runtime.settings.database_url, runtime.outbox.name],
        check=True,
        timeout=60,
    )
    wait_until(lambda: ledger_rows(runtime) == ["elsewhere"], timeout=20, message="applied after a notification")
    assert time.monotonic() - started < 10


def test_a_listening_relay_is_woken_by_the_commits_notify_alone(runtime):
    """A commit staging events in the relay's own process woke it twice while it LISTENed: in-process, and by the
    commit's NOTIFY; when the first wake's round had begun, the second found nothing (a transaction for nothing,
    about one a delivery in every consume process, issue 24). While it listens the NOTIFY alone wakes it."""
    runtime.relay.listening.set()  # as while its listener holds LISTEN on PostgreSQL
    stage(runtime, ["here"])
    assert not runtime.relay._wake.is_set()
    runtime.relay.listening.clear()  # its listener lost the connection, or SQLite (no NOTIFY): woken in-process
    stage(runtime, ["there"])
    assert runtime.relay._wake.is_set()


def test_an_idle_relay_does_not_spin(runtime):
    """A relay round commits a transaction; that commit must not wake the relay again (it did: every
    idle consumer process burned a fifth of a core re-polling an empty outbox)."""
    rounds = []
    inner = runtime.relay.relay_once
    runtime.relay.relay_once = lambda: rounds.append(1) or inner()
    runtime.relay.idle_interval = runtime.relay.listen_interval = 0.5
    runtime.start_background()
    time.sleep(2.0)
    assert len(rounds) <= 8, f"{len(rounds)} relay rounds in 2 s of idleness (the poll allows ~4)"


def test_two_replicas_share_the_outbox_and_the_queue_and_apply_each_event_once(runtime, transport):
    """How the service scales out (Kubernetes runs several consume pods of one service): each
    replica runs a relay over the same outbox and a consumer on the same queue. Every event is
    published by exactly one relay (rows are taken FOR UPDATE SKIP LOCKED) and applied once."""
    if transport != "rabbitmq":
        pytest.skip("replicas are processes sharing PostgreSQL and RabbitMQ; the embedded run is one process")
    from spine_service import make_definition

    from zairyu_shared.runtime import Runtime

    twin = Runtime.from_env(
        make_definition(runtime.name),
        environ={},
        database_url=runtime.settings.database_url,
        amqp_url=runtime.settings.amqp_url,
        embedded=True,
        handler_attempts=3,
    )
    published = metrics.EVENTS_PUBLISHED.labels(runtime.name, "applicant.registered")
    before = published._value.get()
    batches = {id(runtime.relay): 0, id(twin.relay): 0}
    for replica in (runtime, twin):
        inner, key = replica.relay.relay_once, id(replica.relay)

        def counted(inner=inner, key=key):
            sent = inner()
            batches[key] += sent
            return sent

        replica.relay.relay_once = counted
        replica.relay.batch_size = 50  # many small rounds, so both relays contend for the rows
    try:
        runtime.start_background()
        twin.start_background()
        ids = [f"r-{i}" for i in range(600)]
        for start in range(0, 600, 20):  # commits spread over time, as web workers make them
            stage(runtime if start % 40 else twin, ids[start : start + 20])
        wait_until(lambda: len(ledger_rows(runtime)) >= 600, timeout=60, message="600 registrations applied")
        wait_until(lambda: unsent(runtime) == 0, timeout=30, message="outbox drained")
        assert sorted(ledger_rows(runtime)) == sorted(ids)  # each once: no loss, no double effect
        assert published._value.get() - before == 600  # no row was published by both relays
        assert min(batches.values()) > 0  # both relays really took part
    finally:
        twin.stop()


class _BrokerGate:
    """A local port that refuses connections until opened, then forwards them to RabbitMQ: the broker as a
    consumer sees it during a restart that outlasts the connection's own retries."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()  # closed and opened again during the test: not an ephemeral one
        self._server = None

    def open(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        if self._server is not None:
            self._server.close()


def test_a_broker_down_longer_than_the_connection_retries_is_waited_for(runtime, transport):
    """A restart of RabbitMQ that outlasts kombu's own connection retries ended the consumer thread
    (kombu's OperationalError was not caught) while the process stayed up and looked healthy: its queue
    was never read again. The consumer must keep waiting and read the queue once the broker is back."""
    if transport != "rabbitmq":
        pytest.skip("a broker that refuses connections is RabbitMQ's case; the memory transport cannot be down")
    from spine_service import make_definition

    from zairyu_shared import testing
    from zairyu_shared.runtime import Runtime

    runtime.declare()  # the queues exist, as they do across a restart (durable, quorum)
    gate = _BrokerGate((testing.AMQP_HOST, testing.AMQP_PORT))
    behind_gate = runtime.settings.amqp_url.replace(f":{testing.AMQP_PORT}/", f":{gate.port}/")
    consumer_side = Runtime.from_env(
        make_definition(runtime.name),
        environ={},
        embedded=True,
        database_url=runtime.settings.database_url,
        amqp_url=behind_gate,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer_side.consumer().run, args=(stop,), daemon=True)
    try:
        thread.start()
        time.sleep(5.0)  # longer than the connection's own retries (0.5 + 1 + 1.5 s)
        assert thread.is_alive(), "the consumer gave up while the broker was away"
        gate.open()
        stage(runtime, ["after-the-outage"])
        runtime.relay.drain()
        wait_until(
            lambda: ledger_rows(runtime) == ["after-the-outage"], timeout=30, message="consumed once the broker is back"
        )
    finally:
        stop.set()
        thread.join(15)
        gate.close()
        consumer_side.stop()
