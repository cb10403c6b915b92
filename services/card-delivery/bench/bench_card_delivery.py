"""Card-delivery benchmarks; prints `name: value unit` lines.

    .venv/bin/python services/card-delivery/bench/bench_card_delivery.py [--pg]

Measures the public lookup (Flask + SQLite, rate limit lifted), label PDF rendering, and with
--pg concurrent card issuing on a fresh PostgreSQL database (8 threads, unique-index retries).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime

from cryptography.fernet import Fernet

from card_delivery.adapters import cards, pdf
from card_delivery.domain.case import DeliveryCase
from card_delivery.entrypoints.service import definition
from zairyu_shared.db import transaction
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import bench_size


def _runtime(db_url: str) -> Runtime:
    rt = Runtime.from_env(
        definition,
        environ={},
        database_url=db_url,
        amqp_url=f"memory://bench{uuid.uuid4().hex[:6]}",
        embedded=True,
        data_keys=(Fernet.generate_key().decode(),),
        lookup_rate_limit="1000000 per minute",
    )
    rt.migrate()
    return rt


def bench_lookup(rt, n_cards=2000, requests=2000):
    now = datetime.now(UTC)
    numbers = []
    with transaction(rt.session_factory) as session:
        for i in range(n_cards):
            numbers.append(cards.allocate(session, f"d-{i}", now))
    client = definition.create_app(rt).test_client()
    start = time.perf_counter()
    for i in range(requests):
        assert (
            client.get(f"/public/card-status?number={numbers[i % n_cards]}&valid_until=2030-01-01").status_code == 200
        )
    elapsed = time.perf_counter() - start
    print(f"card_lookup_throughput: {requests / elapsed:.0f} requests/s")
    print(f"card_lookup_latency_mean: {elapsed / requests * 1000:.2f} ms")


def bench_labels(batch=36):
    cases = [
        DeliveryCase.open(
            delivery_id=str(uuid.uuid4()),
            application_id=f"a{i}",
            applicant_id="p",
            procedure="extension",
            fee_yen=5500,
            approved_at=datetime.now(UTC),
            name="グエン・ヴァン・アン",
            postal_code="163-8001",
            mailing_address="東京都新宿区西新宿2-8-1 都庁ハイツ101",
            certificate_address="東京都新宿区西新宿2-8-1 都庁ハイツ101",
            old_card_number=None,
        )[0]
        for i in range(batch)
    ]
    start = time.perf_counter()
    pdf.address_labels(cases)
    labels = time.perf_counter() - start
    start = time.perf_counter()
    pdf.dispatch_list(cases, 1, datetime.now(UTC))
    listing = time.perf_counter() - start
    print(f"address_labels_pdf_{batch}: {labels * 1000:.0f} ms")
    print(f"dispatch_list_pdf_{batch}: {listing * 1000:.0f} ms")


def bench_pg_issue(threads=8, per_thread=100):
    from zairyu_shared.testing import fresh_database

    with fresh_database("zb_card") as url:
        rt = _runtime(url)
        barrier = threading.Barrier(threads)

        def work(i):
            barrier.wait()
            for _ in range(per_thread):
                with transaction(rt.session_factory) as session:
                    cards.allocate(session, f"d-{i}", datetime.now(UTC))

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        print(f"card_number_allocation_pg_{threads}_threads: {threads * per_thread / elapsed:.0f} numbers/s")
        rt.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", action="store_true", help="also measure on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rt = _runtime(f"sqlite:///{tmp}/bench.db")
        bench_lookup(rt, n_cards=bench_size(2000, 20), requests=bench_size(2000, 20))
        rt.stop()
    bench_labels()
    if args.pg:
        bench_pg_issue(per_thread=bench_size(100, 5))


if __name__ == "__main__":
    main()
