"""Signing service figures: ``python services/signing/bench/bench_service.py [--n 400]``.

Prints ``name: value unit`` lines:
  signing_verdicts_per_s_sqlite      application.submitted handler (decode, hash, verify CMS, verdict row,
                                     outbox event) in its own transaction, SQLite file (embedded run)
  signing_verdicts_per_s_postgres    the same on PostgreSQL (skipped with a note if unreachable)
  signing_internal_api_cms_per_s     POST /internal/v1/verifications/cms through the Flask app (no network)
One core, one thread; the CMS verification itself is measured by the verification core's bench.

``--callgrind``: only the SQLite handler loop, instrumented alone (instructions per verdict, repeatable on a
busy machine); run it as
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
      .venv/bin/python services/signing/bench/bench_service.py --callgrind --n 100
  callgrind_annotate /tmp/cg.out | head     # total instructions / n = instructions per verdict
The events are parsed from their JSON form first (``parse_message``, as the consumer does), so the handler
sees what it sees in production; instrumentation is switched on (``callgrind_control -i on``) only around
the n verdicts after the warm-up one.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' service_support

from service_support import make_runtime, submission, submitted_event

from signing.application.verifying import on_application_submitted
from signing.entrypoints.web import create_app
from signing.testpki import create_test_pki
from zairyu_shared.db import transaction
from zairyu_shared.events import parse_message
from zairyu_shared.testing import bench_size, callgrind_instrumentation


def handler_rate(rt, events, callgrind: bool = False) -> float:
    with transaction(rt.session_factory) as session:  # build the verifier, warm caches
        on_application_submitted(rt, session, events[0])
    if callgrind:
        callgrind_instrumentation(True)
    started = time.perf_counter()
    for event in events[1:]:
        with transaction(rt.session_factory) as session:
            on_application_submitted(rt, session, event)
    elapsed = time.perf_counter() - started
    if callgrind:
        callgrind_instrumentation(False)
    return (len(events) - 1) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=bench_size(400, 10))
    parser.add_argument("--callgrind", action="store_true", help="the SQLite handler loop only, under callgrind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pki = create_test_pki(Path(tmp) / "pki")
        holder = pki.first("valid")
        payload = submission(pki, holder)  # one real signature; each event is a new delivery
        events = [
            parse_message(submitted_event({**payload, "application_id": f"bench-{i}"}).to_json())
            for i in range(args.n + 1)
        ]

        rt = make_runtime(pki, f"sqlite:///{tmp}/bench.db", "memory://bench")
        rt.migrate()
        print(f"signing_verdicts_per_s_sqlite: {handler_rate(rt, events, args.callgrind):.0f} verdicts/s")
        if args.callgrind:
            rt.stop()
            return 0

        from zairyu_shared import testing

        try:
            testing.require_postgres()
            pg = testing.fresh_database("zb_signing")
        except BaseException as exc:  # pytest.skip outside pytest raises a BaseException subclass
            print(f"# signing_verdicts_per_s_postgres skipped: {exc}", file=sys.stderr)
            pg = contextlib.nullcontext(None)
        with pg as url:
            if url:
                prt = make_runtime(pki, url, "memory://bench-pg")
                prt.migrate()
                print(f"signing_verdicts_per_s_postgres: {handler_rate(prt, events):.0f} verdicts/s")
                prt.stop()

        client = create_app(rt).test_client()
        body = {"content_b64": payload["signed_content_b64"], "signature_b64": payload["signature_cms_b64"]}
        assert client.post("/internal/v1/verifications/cms", json=body).get_json()["verdict"] == "valid"
        started = time.perf_counter()
        for _ in range(args.n):
            client.post("/internal/v1/verifications/cms", json=body)
        print(f"signing_internal_api_cms_per_s: {args.n / (time.perf_counter() - started):.0f} requests/s")
        rt.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
