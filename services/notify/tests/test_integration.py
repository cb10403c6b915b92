"""Through real RabbitMQ and PostgreSQL: published event -> consumer -> notice -> sender -> mail received."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import samples
import sqlalchemy as sa
from notify_testkit import deliver, make_runtime

from notify.adapters import store
from notify.adapters.tables import notices
from notify.entrypoints.sender import start_sender
from zairyu_shared import testing
from zairyu_shared.bus import KombuPublisher
from zairyu_shared.events.registry import spec_for
from zairyu_shared.testing import wait_until


@dataclass
class Row:  # what the publisher takes (the shape of an outbox row)
    event_id: str
    event_type: str
    exchange: str
    correlation_id: str
    body: str


def publish(url, *events):
    publisher = KombuPublisher(url)
    try:
        confirmed, failed = publisher.publish_batch(
            [Row(e.id, e.type, spec_for(e.type, e.version).exchange, e.correlation_id, e.to_json()) for e in events]
        )
    finally:
        publisher.close()
    assert not failed and len(confirmed) == len({e.id for e in events})


@pytest.fixture(scope="module")
def pg_url():
    with testing.fresh_database("zt_notify") as url:
        yield url


@pytest.fixture(scope="module")
def amqp_url():
    with testing.fresh_vhost("zt-notify") as url:
        yield url


@pytest.fixture
def live(pg_url, amqp_url, smtp):
    rt = make_runtime(pg_url, amqp_url, smtp.port, embedded=False, secret_key="s" * 32)
    rt.migrate()  # the schema comes from the Alembic history, not create_all
    rt.declare()
    _declare_intake_queue(amqp_url)  # mandatory publishing: notice.created needs its consumer's queue
    rt.start_background()
    stop = threading.Event()
    _, threads = start_sender(rt, stop)
    yield rt
    stop.set()
    for thread in threads:
        thread.join(10)
    rt.stop()


INTAKE_QUEUE = "intake-test.notices"


def _declare_intake_queue(url):
    from kombu import Connection, Exchange, Queue

    with Connection(url) as conn:
        Queue(
            INTAKE_QUEUE,
            Exchange("notify.events", type="topic", durable=True),
            routing_key="notice.created",
            durable=True,
        )(conn.default_channel).declare()


def intake_received(url):
    import json

    from kombu import Connection

    got = []
    with Connection(url) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(INTAKE_QUEUE, no_ack=True)) is not None:
            got.append(json.loads(message.body))
    return got


def email_rows(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(notices).where(notices.c.channel == "email")).all()


def test_published_events_become_mails_once_each_even_when_redelivered(live, smtp):
    registration, submitted, received = (
        samples.registered(language="pt_BR"),
        samples.submitted(language="pt_BR"),
        samples.received(),
    )
    publish(live.settings.amqp_url, registration, submitted)
    publish(live.settings.amqp_url, received, received)  # the same event twice on the wire
    wait_until(lambda: len(smtp.inbox.messages) >= 2, timeout=30, message="two mails at the SMTP server")
    wait_until(lambda: all(r.state == "sent" for r in email_rows(live)), timeout=30, message="sent recorded")
    publish(live.settings.amqp_url, received)  # a late redelivery after everything settled
    with live.engine.connect() as conn:
        wait_until(
            lambda: conn.execute(sa.select(sa.func.count()).select_from(live.inbox)).scalar() == 3,
            message="inbox saw the three distinct events",
        )
        created = conn.execute(
            sa.select(live.outbox.c.sent_at).where(live.outbox.c.event_type == "notice.created")
        ).all()
    assert len(email_rows(live)) == 2 and len(smtp.inbox.messages) == 2
    receipt = next(m for m in smtp.inbox.messages if samples.RECEIPT in m["Subject"])
    assert receipt["Content-Language"] == "pt-BR" and "Número de protocolo" in receipt["Subject"]
    body = receipt.get_body(preferencelist=("plain",)).get_content()
    assert "5 de março de 2026" in body and samples.PROVISIONAL in body
    assert len(created) == 2
    # The inbox copies reached intake's queue through the outbox.
    announced = []
    wait_until(
        lambda: announced.extend(intake_received(live.settings.amqp_url)) or len(announced) >= 2,
        message="notice.created delivered to intake's queue",
    )
    assert sorted(a["payload"]["notice_type"] for a in announced) == ["application_received", "application_submitted"]
    assert all(a["payload"]["language"] == "pt_BR" for a in announced)


def test_two_consumers_of_the_same_event_on_postgresql_make_one_notice(live, smtp):
    """Concurrent deliveries (two replicas) of one event: the inbox key and the unique notice key hold."""
    from notify_testkit import FakeMessage

    event = samples.received(applicant="twin", application="c-twin")
    publish(live.settings.amqp_url, samples.registered(applicant="twin", email="twin@example.jp"))
    wait_until(
        lambda: (
            live.engine.connect().execute(sa.text("SELECT count(*) FROM applicants WHERE applicant_id='twin'")).scalar()
        ),
        message="twin registered",
    )
    qname = live.handlers()[0].queue_name(live.name)
    barrier = threading.Barrier(4)

    def one():
        consumer = live.consumer()
        consumer._amqp = False
        barrier.wait()
        consumer.process([(qname, FakeMessage(event))])

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    wait_until(lambda: any(m["To"] == "twin@example.jp" for m in smtp.inbox.messages), message="twin mail")
    with live.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).where(notices.c.event_id == event.id)).scalar()
    assert n == 2  # one e-mail, one inbox notice
    assert sum(m["To"] == "twin@example.jp" for m in smtp.inbox.messages) == 1


def test_several_senders_on_postgresql_never_send_the_same_notice_twice(live, smtp):
    """Replicas of the consume process each run a sender: SKIP LOCKED claims keep them apart."""
    from notify.application.sending import Sender

    n = 120
    publish(live.settings.amqp_url, samples.registered(applicant="many", email="many@example.jp"))
    publish(
        live.settings.amqp_url,
        *[samples.received(applicant="many", application=f"m-{i}", receipt=f"OSK-2026-{i:06d}") for i in range(n)],
    )
    stop = threading.Event()
    extra = [Sender(live) for _ in range(3)]  # plus the live fixture's own sender thread
    threads = [threading.Thread(target=s.run, args=(stop,)) for s in extra]
    for t in threads:
        t.start()
    try:
        wait_until(
            lambda: sum(m["To"] == "many@example.jp" for m in smtp.inbox.messages) >= n,
            timeout=60,
            message=f"{n} mails",
        )
        wait_until(lambda: all(r.state == "sent" for r in email_rows(live)), message="all recorded as sent")
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    mine = [m for m in smtp.inbox.messages if m["To"] == "many@example.jp"]
    assert len(mine) == n and len({m["Message-ID"] for m in mine}) == n


def test_a_claim_on_postgresql_is_one_statement_that_still_knows_a_takeover(smtp):
    """PostgreSQL's claim chooses, locks, claims and returns in one statement (issue 24): a notice claimed is
    nobody else's until its lease is over, then the takeover says so (the sender counts it and warns of a
    possible second mail) and the first claimer's outcome no longer applies."""
    with testing.fresh_database("zt_notify_claims") as url:
        rt = make_runtime(url, "memory://notify-claims", smtp.port)
        rt.migrate()
        try:
            deliver(rt, samples.registered(email="claimed@example.jp"), samples.received())
            statements: list[str] = []
            sa.event.listen(rt.engine, "before_cursor_execute", lambda c, cur, sql, *a: statements.append(sql))
            [first] = store.claim_due(rt.engine, 10, lease_seconds=300)
            assert len(statements) == 1 and statements[0].startswith("UPDATE notices")
            assert (first.stolen, first.attempts, first.address) == (False, 1, "claimed@example.jp")
            assert samples.RECEIPT in first.subject and first.body_text and first.body_html
            assert store.claim_due(rt.engine, 10, lease_seconds=300) == []  # claimed: no one else takes it
            [taken] = store.claim_due(rt.engine, 10, lease_seconds=0)  # its lease over
            assert (taken.id, taken.stolen, taken.attempts) == (first.id, True, 2) and taken.token != first.token
            assert not store.record_sent(rt.engine, first)
            assert store.record_sent(rt.engine, taken)
            assert [r.state for r in email_rows(rt)] == ["sent"]
        finally:
            rt.stop()
