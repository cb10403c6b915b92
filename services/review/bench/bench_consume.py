"""Review's consumer, in-process: the CPU and the statements a signature.verified costs (issue 24).

    .venv/bin/python services/review/bench/bench_consume.py [--cases 400]

Events as signing sends them (three applicants, intake's routing), through ``EventConsumer.process`` (contract
check, inbox, ``inbound.receive``, commit) and the outbox relay (memory transport), on a scratch PostgreSQL
database (dropped afterwards; ZAIRYU_TEST_PG picks the server). Transactions of one and two events alternately,
as bench_e2e's consume process takes them (0.65 inbox statements per application). Building the events is not
counted. Instructions, which the machine's load does not move (only the measured loop is instrumented)::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python services/review/bench/bench_consume.py --callgrind --cases 60
    callgrind_annotate /tmp/cg.out | head     # total instructions / cases = instructions per case

Prints ``name: value unit`` lines.
"""

from __future__ import annotations

import argparse
import collections
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' builders

from review_testkit import make_runtime, verified_event

from zairyu_shared import testing
from zairyu_shared.testing import ReceivedMessage, fresh_database, measured_loop


def deliveries(n: int) -> list[tuple[str, ReceivedMessage]]:
    applicants = [str(uuid.uuid4()) for _ in range(3)]
    routing = {"prefecture": "Tokyo", "receiving_office": "tokyo", "office": "tokyo"}
    return [
        (
            "review.on_signature_verified",
            ReceivedMessage(verified_event(applicant_id=applicants[i % 3], routing=routing).to_json().encode()),
        )
        for i in range(n)
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=testing.bench_size(400, 10))
    parser.add_argument("--callgrind", action="store_true", help="instrument the measured loop only (callgrind)")
    args = parser.parse_args()
    try:
        testing.require_postgres()
    except BaseException as exc:  # pytest.skip outside pytest raises a BaseException subclass
        print(f"# review_consume skipped: {exc}", file=sys.stderr)
        return 0
    with fresh_database("zb_review_consume") as url:
        rt = make_runtime(url, "memory://bench-review-consume")
        try:
            consumer = rt.consumer()
            consumer._amqp = False  # acks one by one, as on kombu's memory transport
            warm, timed = deliveries(10), deliveries(args.cases)

            def take(batch: list[tuple[str, ReceivedMessage]]) -> None:
                consumer.process(batch)
                rt.relay.relay_once()  # as the commit's NOTIFY wakes it

            take(warm)  # compiled statements, the applicants' keys
            while rt.relay.relay_once():
                pass
            statements: collections.Counter[str] = collections.Counter()

            def count(conn, cursor, statement, *_args) -> None:
                statements[statement.split(None, 1)[0].upper()] += 1

            sa.event.listen(rt.engine, "before_cursor_execute", count)
            i, size = 0, 1
            with measured_loop(args.callgrind) as spent:
                while i < len(timed):
                    take(timed[i : i + size])
                    i, size = i + size, 3 - size
            cpu = spent.seconds
            sa.event.remove(rt.engine, "before_cursor_execute", count)
            with rt.engine.connect() as conn:
                received = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
            assert received == len(warm) + len(timed), received
        finally:
            rt.stop()
            rt.engine.dispose()
    print(f"review_consume_cpu_per_case: {cpu * 1000 / args.cases:.2f} ms")
    print(f"review_consume_statements_per_case: {sum(statements.values()) / args.cases:.2f} statements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
