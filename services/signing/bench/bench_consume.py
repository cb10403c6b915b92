"""Signing's consume process, in process: the CPU and the statements one application costs it (issue 24).

    .venv/bin/python services/signing/bench/bench_consume.py [--applications 100] [--statements]

What signing's consume process does for an application in bench_e2e: application.submitted (a real CAdES-BES
signature of the test PKI's valid holder over a ~1.6 KB document, as intake's canonical one) through
``EventConsumer.process`` (contract check from the JSON, inbox, handler: verdict, verdict row, signature.verified
staged sealed, commit), then one outbox relay round (memory transport) that opens and publishes it. On a scratch
PostgreSQL database (ZAIRYU_TEST_PG picks the server), dropped afterwards. Not counted: making the test PKI, the
signatures and the events, and three warm-up applications (compiled statements, the day keys, the verifier).

Instructions, which the machine's load does not move (only the measured loop is instrumented)::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python services/signing/bench/bench_consume.py --callgrind --applications 50
    callgrind_annotate /tmp/cg.out | head     # total instructions / applications = instructions per application

Prints ``name: value unit`` lines (and each statement's count per application with --statements).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' service_support

from service_support import make_runtime, submission, submitted_event

from signing.adapters.tables import verdicts
from signing.testpki import create_test_pki
from zairyu_shared.testing import ReceivedMessage, bench_size, counted_statements, measured_loop, print_consume_cost
from zairyu_shared.testing_databases import migrated_database

QUEUE = "signing.on_application_submitted"


def document(i: int) -> bytes:
    """A signed document of about intake's canonical size (~1.6 KB)."""
    form = {f"field_{k:02d}": f"value {k} of application {i}: " + "x" * 20 for k in range(28)}
    return json.dumps({"application_id": f"bench-{i}", "procedure": "extension", "form": form}, sort_keys=True).encode()


def main() -> int:
    from signing.entrypoints.service import definition

    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=bench_size(100, 5))
    parser.add_argument("--callgrind", action="store_true", help="instrument the measured loop only (callgrind)")
    parser.add_argument("--statements", action="store_true", help="print each statement's count an application")
    args = parser.parse_args()
    warm = 3
    with tempfile.TemporaryDirectory() as tmp, migrated_database(definition, "zb_signing_consume") as url:
        pki = create_test_pki(Path(tmp) / "pki")
        holder = pki.first("valid")
        bodies = [
            submitted_event(submission(pki, holder, content=document(i))).to_json().encode()
            for i in range(warm + args.applications)
        ]
        rt = make_runtime(pki, url, "memory://bench")
        rt.migrate()
        try:
            consumer = rt.consumer()
            consumer._amqp = False  # acks one by one, as on kombu's memory transport
            rt.relay.batch_size = (
                1  # a round an application, as the commit's NOTIFY wakes the relay at bench_e2e's rate
            )

            def take(body: bytes) -> None:
                consumer.process([(QUEUE, ReceivedMessage(body))])
                assert rt.relay.relay_once() == 1

            for body in bodies[:warm]:
                take(body)
            statements = counted_statements(rt.engine) if args.statements else None
            with measured_loop(args.callgrind) as spent:
                for body in bodies[warm:]:
                    take(body)
            cpu = spent.seconds
            with rt.engine.connect() as conn:
                verified = conn.execute(
                    sa.select(sa.func.count()).select_from(verdicts).where(verdicts.c.verdict == "verified")
                ).scalar_one()
            assert verified == len(bodies), verified
        finally:
            rt.stop()
            rt.engine.dispose()
    print_consume_cost("signing_consume", cpu, statements, args.applications)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
