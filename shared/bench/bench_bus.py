"""Bus figures: events/s through outbox -> RabbitMQ -> idempotent consumer -> commit,
against raw pika publish + consume of the same messages in the same run.

Prints `name: value unit` lines. Needs RabbitMQ and PostgreSQL (the machine's, as in CI).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pika
import sqlalchemy as sa

from zairyu_shared import testing
from zairyu_shared.bus import Handler
from zairyu_shared.config import CommonSettings
from zairyu_shared.db import add_messaging_tables, transaction
from zairyu_shared.events import new_event
from zairyu_shared.runtime import Runtime, ServiceDefinition

N = int(os.environ.get("BENCH_EVENTS", testing.bench_size("20000", "200")))

metadata = sa.MetaData()
add_messaging_tables(metadata)
ledger = sa.Table(
    "ledger", metadata, sa.Column("event_id", sa.String(36), primary_key=True), sa.Column("applicant_id", sa.String(80))
)


def apply(runtime, session, event):
    session.execute(ledger.insert().values(event_id=event.id, applicant_id=event.payload["applicant_id"]))


definition = ServiceDefinition(
    "benchsvc",
    CommonSettings,
    metadata,
    Path("unused"),
    lambda rt: None,
    handlers=[Handler("on_applicant_registered", ("applicant.registered",), apply)],
)


def events(n):
    return [
        new_event(
            "applicant.registered",
            {
                "applicant_id": f"a-{i:06d}",
                "email": f"a{i}@example.jp",
                "language": "vi",
                "display_name": "Nguyen Van A " * 6,
            },
            source="intake",
            correlation_id=f"a-{i:06d}",
        )
        for i in range(n)
    ]


def bench_pipeline(db_url, amqp_url, evs) -> dict:
    rt = Runtime.from_env(definition, environ={}, database_url=db_url, amqp_url=amqp_url, embedded=True)
    metadata.create_all(rt.engine)
    rt.declare()
    t0 = time.perf_counter()
    with transaction(rt.session_factory) as session:
        for start in range(0, len(evs), 1000):
            session.execute(
                rt.outbox.insert(),
                [
                    {
                        "event_id": e.id,
                        "event_type": e.type,
                        "exchange": "intake.events",
                        "correlation_id": e.correlation_id,
                        "body": e.to_json(),
                        "created_at": e.occurred_at,
                    }
                    for e in evs[start : start + 1000]
                ],
            )
    staged = time.perf_counter() - t0
    t0 = time.perf_counter()
    rt.start_background()
    with rt.engine.connect() as conn:
        while conn.execute(sa.select(sa.func.count()).select_from(ledger)).scalar() < len(evs):
            time.sleep(0.05)
            conn.rollback()
    elapsed = time.perf_counter() - t0
    rt.stop()
    return {"staged_s": staged, "elapsed_s": elapsed}


def bench_raw_pika(amqp_url, bodies) -> float:
    params = pika.URLParameters(amqp_url)
    setup = pika.BlockingConnection(params)
    ch = setup.channel()
    ch.queue_declare("raw-bench", durable=True, arguments={"x-queue-type": "quorum"})
    setup.close()
    done = threading.Event()
    failed: list[BaseException] = []

    def consume():
        # A consumer that failed (a refused connection on a loaded broker) would leave the publisher waiting for ever:
        # it says so instead.
        try:
            conn = pika.BlockingConnection(params)
            c = conn.channel()
            c.basic_qos(prefetch_count=200)
            seen = 0
            for method, _props, _body in c.consume("raw-bench", inactivity_timeout=120):
                if method is None:
                    raise TimeoutError(f"raw pika: {seen} of {len(bodies)} messages came back, then none for 120 s")
                c.basic_ack(method.delivery_tag)
                seen += 1
                if seen == len(bodies):
                    break
            c.cancel()
            conn.close()
        except BaseException as exc:
            failed.append(exc)
        finally:
            done.set()

    t0 = time.perf_counter()
    consumer = threading.Thread(target=consume)
    consumer.start()
    conn = pika.BlockingConnection(params)
    pub = conn.channel()
    props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    for body in bodies:
        pub.basic_publish("", "raw-bench", body, props)
    # Without confirms the broker owes the publisher nothing: a quorum queue's channel still holding
    # unapplied enqueues when its connection closes drops them (CI lost 8 of 200 on a loaded machine).
    # Keeping the channel open until the consumer has every message lets the broker resend them.
    done.wait()
    conn.close()
    consumer.join()
    if failed:
        raise failed[0]
    return time.perf_counter() - t0


def main() -> int:
    os.environ.setdefault("CI", "true")  # a bench without the real broker/database has no figure
    evs = events(N)
    with testing.fresh_database("zb") as db, testing.fresh_vhost("zb") as amqp:
        raw = bench_raw_pika(amqp, [e.to_json().encode() for e in evs])
        ours = bench_pipeline(db, amqp, evs)
    size = sum(len(e.to_json()) for e in evs) // len(evs)
    print(f"bus_message_size: {size} bytes")
    print(f"bus_raw_pika_publish_consume: {N / raw:.0f} events/s")
    print(f"bus_outbox_to_consumer_commit: {N / ours['elapsed_s']:.0f} events/s")
    print(f"bus_outbox_stage_insert: {N / ours['staged_s']:.0f} events/s")
    print(f"bus_pipeline_vs_raw_pika: {(N / ours['elapsed_s']) / (N / raw):.2f} ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
