"""Intake's web front's work for one application, in process and deterministic enough to compare two versions.

What bench_e2e times of intake's front for an application is one request: the signer's
``POST /api/v1/signing-requests/<code>/signature`` (JSON, ``X-Forwarded-For`` a new address each time, through one
proxy hop). Here it goes through the real app (create_app: gate, limiter, sessions, CSRF exemption, metrics) with
Flask's test client, on PostgreSQL (a fresh database) with the rate limits counted in Redis, as the real mode does;
the signing service's verification is not called on this path (signing verifies asynchronously). Not timed: the
applicants registered (three, as bench_e2e; one more for each 20 applications past 60: an account holds 20 open
drafts) and every application's draft, photo and signing code prepared (bench_e2e's procedure: an extension,
worker_fields, one photo); 5 posts warm up first.

    .venv/bin/python services/intake/bench/cpu_per_application.py [--applications 200]

prints the process CPU a request and the PostgreSQL backends' (both noisy on a busy machine: compare two trees run
alternately) and intake's statements an application. Instruction counts, which the machine's load does not move (the
preparation is the same in both runs: --prepared):

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/a.out .venv/bin/python <this> \
        --applications 40 --prepared 45
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/b.out .venv/bin/python <this> \
        --applications 10 --prepared 45

and (totals of a.out - totals of b.out) / 30 is one application's (~9 minutes each). Quicker, and within 0.3% of
it: ``valgrind --tool=callgrind --instr-atstart=no ... <this> --callgrind --applications 30``, which counts the 30
posts alone (the total / 30). ``--profile FILE``: a cProfile
(process time) of the posts alone. Not run by `make bench` (not a bench_*.py): it measures a cost, not a figure.
"""

from __future__ import annotations

import argparse
import base64
import collections
import sys
import tempfile
from pathlib import Path
from typing import cast

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' testkit

from hostile_files import jpeg
from intake_testkit import HOLDERS, FakeSigning, fake_signature, make_runtime
from journey import register, worker_fields

from intake.adapters.tables import applicants
from intake.application import accounts, drafting, signing_requests, submission
from intake.bootstrap import ports
from zairyu_shared import testing
from zairyu_shared.db import transaction
from zairyu_shared.testing_databases import migrated_database

APPLICANTS = 3  # as bench_e2e; more when more applications are prepared (an account holds at most 20 open drafts)


# A card's detached CMS (the test PKI's, as bench_e2e posts it) is 2,536 bytes; the test kit's stand-in about 80. This
# path stores the signature and stages it in the event without verifying it (signing verifies, asynchronously), so
# the stand-in is padded to a card's size: decoding, encoding and storing it cost what they cost for a card's.
CARD_CMS_BYTES = 2536


def card_sized(signature: bytes) -> bytes:
    return signature + b"\0" * max(0, CARD_CMS_BYTES - len(signature))


def prepare(rt, applicant_id: str, n: int, photo: bytes) -> tuple[str, bytes]:
    with transaction(rt.session_factory) as s:
        draft_id = drafting.create(s, applicant_id, "extension", [])
        drafting.save(s, applicant_id, draft_id, worker_fields())
        drafting.add_attachment(rt, s, applicant_id, photo, "photo", "me.jpg", draft_id=draft_id)
    with transaction(rt.session_factory) as s:
        code = submission.prepare(rt, s, accounts.get(s, applicant_id), draft_id, f"k{n}")
    with transaction(rt.session_factory) as s:
        content = signing_requests.content_of(signing_requests.load(s, code))
    return code, content


def backends_cpu(engine) -> float:
    """CPU seconds so far of the PostgreSQL backends serving this database (utime + stime from /proc: the server
    runs on this machine, as the benches' does)."""
    import os

    with engine.connect() as c:
        pids = c.execute(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
            )
        ).scalars()
        ticks = 0
        for pid in pids.all():
            try:
                ticks += sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:15])
            except OSError:
                pass
    return ticks / os.sysconf("SC_CLK_TCK")


def main(applications: int, prepared: int, profile_to: str | None = None, callgrind: bool = False) -> None:
    from intake.entrypoints.service import definition
    from intake.entrypoints.web import create_app

    with migrated_database(definition, "zb_intake_cpu") as url:
        rt = make_runtime(
            Path(tempfile.mkdtemp()),
            database_url=url,
            proxy_hops=1,
            proxy_networks=("127.0.0.1/32",),
            **testing.redis_ratelimits(),
        )
        signing = cast(FakeSigning, ports(rt).signing)  # make_runtime's
        holders = [f"bench{j}" for j in range(max(APPLICANTS, -(-prepared // 20)))]
        for j, holder in enumerate(holders):
            signing.holders[holder] = {**HOLDERS["nguyen"], "name": f"NGUYEN VAN {j}"}
        app = create_app(rt)
        app.config["WTF_CSRF_ENABLED"] = False  # registering through the pages, as the tests do; on again below
        people = []
        for j, holder in enumerate(holders):
            registering = app.test_client()
            registering.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.25.0.{j + 1}"  # REGISTER's budget is per address
            people.append(register(registering, rt, holder, f"{holder}@example.jp"))
        app.config["WTF_CSRF_ENABLED"] = True
        photo = jpeg()
        jobs = []
        for i in range(prepared):
            j = i % len(holders)
            code, content = prepare(rt, people[j], i, photo)
            jobs.append(
                (
                    code,
                    base64.b64encode(card_sized(fake_signature(content, holders[j]))).decode(),
                    f"10.24.{i // 200}.{i % 200 + 1}",
                )
            )
        client = app.test_client()

        def post(job) -> None:
            code, sig, address = job
            r = client.post(
                f"/api/v1/signing-requests/{code}/signature",
                json={"signature_b64": sig},
                headers={"X-Zairyu-Api": "1", "X-Forwarded-For": address},
            )
            assert r.status_code == 200 and r.json["status"] == "done", (r.status_code, r.data[:300])

        warm, measured = jobs[:5], jobs[5 : 5 + applications]
        for job in warm:
            post(job)
        backends = backends_cpu(rt.engine)  # before the statements are counted, outside callgrind's count
        counts: collections.Counter[str] = collections.Counter()

        def count_statement(conn, cursor, sql, *args) -> None:
            counts.update((sql,))

        def count_commit(conn) -> None:
            counts.update(("COMMIT",))

        sa.event.listen(rt.engine, "before_cursor_execute", count_statement)
        sa.event.listen(rt.engine, "commit", count_commit)
        with testing.measured_loop(callgrind, profile_to) as spent:
            for job in measured:
                post(job)
        cpu = spent.seconds
        sa.event.remove(rt.engine, "before_cursor_execute", count_statement)
        sa.event.remove(rt.engine, "commit", count_commit)
        backends = backends_cpu(rt.engine) - backends
        n = max(len(measured), 1)
        print(f"intake_front_cpu_ms_per_application: {cpu * 1000 / n:.2f} ms")
        print(f"postgresql_backends_cpu_ms_per_application: {backends * 1000 / n:.2f} ms")
        for statement, k in counts.most_common():
            print(f"  {k / n:5.2f}", " ".join(statement.split())[:100])
        with rt.engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(applicants)).scalar() == len(holders)
        rt.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--prepared", type=int, default=0, help="applications prepared (default: all posted)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the posted requests into FILE (pstats)")
    parser.add_argument("--callgrind", action="store_true", help="instrument the posts alone (callgrind)")
    args = parser.parse_args()
    main(args.applications, max(args.prepared, args.applications + 5), args.profile, args.callgrind)
