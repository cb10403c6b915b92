"""Notify throughput on PostgreSQL with a local aiosmtpd relay.

Run: .venv/bin/python services/notify/bench/bench_notify.py [N]
Prints `name: value unit` lines:
  notify_consume_events_per_second   events turned into notices (render 1 language, 2 channels, outbox)
  notify_sender_mails_per_second     mails claimed, sent over SMTP and recorded, rate limit off
  notify_smtp_send_p50_ms            median SMTP send (reused connection)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' samples, testkit

import samples
from notify_testkit import FakeMessage, free_port, make_runtime

from notify.adapters import metrics
from notify.application.sending import Sender
from zairyu_shared import testing


class Count:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"


def main(n: int) -> None:
    handler, port = Count(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with testing.fresh_database("zb_notify") as url:
            rt = make_runtime(url, "memory://bench-notify", port, claim_batch=200)
            rt.migrate()
            consumer = rt.consumer()
            consumer._amqp = False
            qname = rt.handlers()[0].queue_name(rt.name)
            consumer.process(
                [
                    (
                        qname,
                        FakeMessage(
                            samples.registered(applicant=f"b{i}", email=f"b{i}@example.jp", language=samples_lang(i))
                        ),
                    )
                    for i in range(n)
                ]
            )
            events = [
                samples.received(applicant=f"b{i}", application=f"c{i}", receipt=f"TKY-2026-{i:06d}") for i in range(n)
            ]
            started = time.perf_counter()
            for start in range(0, n, 100):
                consumer.process([(qname, FakeMessage(e)) for e in events[start : start + 100]])
            consume = time.perf_counter() - started
            print(f"notify_consume_events_per_second: {n / consume:.0f} events/s")
            sender = Sender(rt)
            started = time.perf_counter()
            while handler.n < n:
                if sender.send_due() == 0:
                    break
            send = time.perf_counter() - started
            assert handler.n == n, f"{handler.n} of {n} mails arrived"
            print(f"notify_sender_mails_per_second: {n / send:.0f} mails/s")
            _parallel(rt, handler, n, threads=4)
            samples_ms = _p50(metrics.SMTP_SEND)
            if samples_ms is not None:
                print(f"notify_smtp_send_p50_ms: {samples_ms:.2f} ms")
            rt.stop()
    finally:
        controller.stop()


def _parallel(rt, handler, n, threads):
    """The same mails again (requeued), through ``threads`` sender threads sharing the claims."""
    import threading

    from notify.adapters.tables import notices

    with rt.engine.begin() as conn:
        conn.execute(notices.update().where(notices.c.channel == "email").values(state="queued", attempts=0))
    before = handler.n
    senders = [Sender(rt) for _ in range(threads)]
    started = time.perf_counter()
    workers = [threading.Thread(target=lambda s=s: [None for _ in iter(lambda: s.send_due(), 0)]) for s in senders]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    assert handler.n - before == n, f"{handler.n - before} of {n} mails arrived"
    print(f"notify_sender_mails_per_second_{threads}_threads: {n / elapsed:.0f} mails/s")


def samples_lang(i: int) -> str:
    from zairyu_shared.events.contracts import LANGUAGES

    return LANGUAGES[i % len(LANGUAGES)]


def _p50(histogram) -> float | None:
    """Median from the histogram buckets (upper bound of the bucket holding the 50th percentile)."""
    for metric in histogram.collect():
        buckets = [
            (float(s.labels["le"]), s.value)
            for s in metric.samples
            if s.name.endswith("_bucket") and s.labels.get("outcome") == "delivered"
        ]
        if not buckets:
            return None
        total = buckets[-1][1]
        for bound, count in buckets:
            if count >= total / 2:
                return bound * 1000
    return None


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else testing.bench_size(2000, 20))
