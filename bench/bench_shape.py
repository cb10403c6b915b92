"""The ceiling of the system's shape on this machine: one application's real event path (the same
five events, the same queues and eight deliveries, the same outbox relays, idempotent inboxes,
PostgreSQL databases, gunicorn front and RabbitMQ) with every piece of domain work taken out.
Each handler records one row and stages what the real one stages; the front's submit is one
transaction (a row and the outbox event). No signature check, no encryption, no form, no mail.

What this reaches is the most any implementation of this shape can do here, whatever its domain
code; `bench_e2e.py` is measured against it. Raw pika publish + consume is measured in the same
run, since this shared machine's speed changes from day to day.

    .venv/bin/python bench/bench_shape.py [--applications 2000] [--rate 15]

Prints `name: value unit` lines.
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "shared" / "bench"))  # bench_bus; run as a file, or imported by its e2e test

# The path an application takes, per service: the event types the real services consume on it.
PATH_EVENTS = ("application.submitted", "signature.verified", "application.received", "notice.created")
SERVICES = ("intake", "signing", "review", "notify")
FRONT_WORKERS = 4  # as bench_e2e's intake front


def _definition(service: str):
    """A service with the real one's queues on this path (handler names and bindings read from its
    definition) and handlers that only record the event and stage what the real one stages."""
    from zairyu_shared.bus import Handler
    from zairyu_shared.config import CommonSettings
    from zairyu_shared.db import add_messaging_tables
    from zairyu_shared.runtime import ServiceDefinition

    metadata = sa.MetaData()
    add_messaging_tables(metadata)
    ledger = sa.Table(
        "ledger",
        metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("application_id", sa.String(40), nullable=False),
    )
    handlers = []
    for handler in _real_handlers(service):
        types = tuple(t for t in handler.event_types if t in PATH_EVENTS)
        if types:
            handlers.append(Handler(handler.name, types, _skeleton_handler(service, ledger)))
    return ServiceDefinition(
        service, CommonSettings, metadata, Path("unused"), lambda rt: None, handlers=handlers
    ), ledger


def _real_handlers(service: str) -> list:
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="zairyu.services", name=service)
    return entry.load().handlers


def expected_deliveries() -> int:
    """Deliveries per application that the real services' bindings imply on this path."""
    binders = {t: sum(t in h.event_types for s in SERVICES for h in _real_handlers(s)) for t in PATH_EVENTS}
    to_notify = sum(
        t in h.event_types for h in _real_handlers("notify") for t in ("application.submitted", "application.received")
    )
    emitted = {
        "application.submitted": 1,
        "signature.verified": 1,
        "application.received": 1,
        "notice.created": to_notify,
    }
    return sum(emitted[t] * binders[t] for t in PATH_EVENTS)


def _skeleton_handler(service: str, ledger: sa.Table):
    from zairyu_shared.db import statement_once
    from zairyu_shared.events import new_event

    record = statement_once(("bench-shape", service), lambda: ledger.insert())

    def apply(runtime, session, event):
        app_id = event.payload.get("application_id") or ""
        session.execute(record, {"event_id": event.id, "event_type": event.type, "application_id": app_id})
        follow = None
        if service == "signing" and event.type == "application.submitted":
            follow = (
                "signature.verified",
                {
                    "application_id": app_id,
                    "applicant_id": event.payload["applicant_id"],
                    "submission": event.payload,
                    "evidence": {"certificate_serial": "1", "issuer": "CN=JPKI", "validation_time": _now()},
                },
            )
        elif service == "review" and event.type == "signature.verified":
            follow = (
                "application.received",
                {
                    "application_id": app_id,
                    "applicant_id": event.payload["applicant_id"],
                    "receipt_number": "R-" + app_id[:12],
                    "bureau": "tokyo",
                    "procedure": "extension",
                    "received_at": _now(),
                },
            )
        elif service == "notify" and event.type in ("application.submitted", "application.received"):
            follow = (
                "notice.created",
                {
                    "notice_id": str(uuid.uuid4()),
                    "applicant_id": event.payload["applicant_id"],
                    "application_id": app_id,
                    "notice_type": event.type,
                    "language": "vi",
                    "subject": "Zairyu: " + event.type,
                    "body_text": "Xin chào. " * 60,
                    "created_at": _now(),
                },
            )
        if follow:
            runtime.stage(
                session,
                new_event(
                    follow[0], follow[1], source=service, correlation_id=event.correlation_id, causation_id=event.id
                ),
            )

    return apply


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _runtime(service: str):
    from zairyu_shared.runtime import Runtime

    definition, ledger = _definition(service)
    rt = Runtime.from_env(
        definition,
        environ={},
        database_url=os.environ[f"SHAPE_DB_{service.upper()}"],
        amqp_url=os.environ["SHAPE_AMQP"],
        embedded=True,
    )
    return rt, ledger


# -- the front: a submit that is one transaction (a row and its outbox event) ---------------------
CONTENT = base64.b64encode(b'{"format":"zairyu-application/1","form":{}}' + b" " * 1500).decode()


def front_app():
    """gunicorn 'bench_shape:front_app()': the submit route bench_e2e's load process posts to."""
    from flask import Flask, jsonify, request

    from zairyu_shared.db import statement_once, transaction
    from zairyu_shared.events import new_event

    rt, ledger = _runtime("intake")
    record = statement_once(("bench-shape", "front"), lambda: ledger.insert())
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/v1/signing-requests/<code>/signature")
    def submit(code):
        body = request.get_json()
        app_id = str(uuid.uuid4())
        event = new_event(
            "application.submitted",
            {
                "application_id": app_id,
                "applicant_id": "acc-" + code[:8],
                "provisional_number": "P-20261126-0000001-3",
                "procedure": "extension",
                "bundled": ["reentry"],
                "status_of_residence": "engineer_humanities",
                "nationality": "Viet Nam",
                "bureau": "tokyo",
                "language": "vi",
                "submitted_at": _now(),
                "signed_content_b64": CONTENT,
                "content_sha256": "0" * 64,
                "signature_cms_b64": body["signature_b64"],
                "expected_holder": {
                    "name": "NGUYEN VAN A",
                    "date_of_birth": "1990-01-01",
                    "sex": "male",
                    "address": "東京都港区",
                },
            },
            source="intake",
            correlation_id=app_id,
        )
        with transaction(rt.session_factory) as session:
            session.execute(record, {"event_id": event.id, "event_type": "submit", "application_id": app_id})
            rt.stage(session, event)
        return jsonify({"application_id": app_id})

    return app


def consume_main(service: str) -> int:
    rt, _ = _runtime(service)
    stop = rt.stop_event
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    rt.start_background()
    Path(os.environ["SHAPE_READY"] + "." + service).touch()
    stop.wait()
    rt.stop()
    return 0


# -- the bench -----------------------------------------------------------------------------------
def _all_alive(procs: dict, workdir: Path) -> bool:
    """True, or an error naming the skeleton's dead processes (a wait of ten minutes for them helps nobody)."""
    dead = {name: proc.returncode for name, proc in procs.items() if proc.poll() is not None}
    if dead:
        last = {name: (workdir / f"{name}.log").read_text(errors="replace")[-1500:] for name in dead}
        raise RuntimeError(f"skeleton processes died (exit codes {dead}); their logs' ends: {last}")
    return True


def _count(engine, event_type: str) -> int:
    with engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM ledger WHERE event_type = :t"), {"t": event_type}).scalar()


def _rows(engines: dict) -> tuple:
    """Ledger rows per service (a handler's effect each; intake's also hold the front's submits)."""
    out = []
    for service in SERVICES:
        with engines[service].connect() as c:
            out.append(c.execute(sa.text("SELECT count(*) FROM ledger")).scalar())
    return tuple(out)


def bench_main(args) -> int:
    os.environ.setdefault("CI", "true")  # no figure without the real broker and database
    from bench_bus import bench_raw_pika
    from bench_e2e import percentile, run_load, settled
    from cluster import free_port

    from zairyu_shared import testing

    workdir = Path(tempfile.mkdtemp(prefix="zairyu-bench-shape-"))
    print(f"# work directory (logs): {workdir}")
    with (
        testing.fresh_vhost("zshape") as amqp,
        testing.fresh_database("zshape_i") as db_i,
        testing.fresh_database("zshape_s") as db_s,
        testing.fresh_database("zshape_r") as db_r,
        testing.fresh_database("zshape_n") as db_n,
    ):
        dbs = dict(zip(SERVICES, (db_i, db_s, db_r, db_n)))
        raw = bench_raw_pika(amqp, [os.urandom(300).hex().encode()[:450] for _ in range(args.raw_messages)])
        env = dict(
            os.environ,
            SHAPE_AMQP=amqp,
            SHAPE_READY=str(workdir / "ready"),
            **{f"SHAPE_DB_{s.upper()}": url for s, url in dbs.items()},
        )
        os.environ.update(env)
        for service in SERVICES:  # tables and topology before anything runs
            rt, _ = _runtime(service)
            rt.definition.metadata.create_all(rt.engine)
            rt.declare()
            rt.engine.dispose()
        engines = {s: sa.create_engine(url) for s, url in dbs.items()}
        procs = {}
        try:
            for service in SERVICES:
                procs[service] = subprocess.Popen(
                    [sys.executable, __file__, "--consume", service],
                    env=env,
                    stdout=open(workdir / f"{service}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            port = free_port()
            procs["front"] = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "-w",
                    str(FRONT_WORKERS),
                    "-b",
                    f"127.0.0.1:{port}",
                    "--backlog",
                    "2048",
                    "--chdir",
                    str(HERE),
                    "bench_shape:front_app()",
                ],
                env=env,
                stdout=open(workdir / "front.log", "w"),
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            testing.wait_until(
                lambda: all((workdir / f"ready.{s}").exists() for s in SERVICES),
                timeout=60,
                message="skeleton consumers running",
            )
            testing.wait_until(lambda: _up(base), timeout=60, message="skeleton front up")

            jobs = [
                {
                    "code": uuid.uuid4().hex,
                    "sig": base64.b64encode(os.urandom(2538)).decode(),
                    "address": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                }
                for i in range(args.applications)
            ]
            cpu_before = _cpu(procs, engines)
            load = run_load(base, jobs, workdir, args.rate, args.concurrency)
            accepted = sum(1 for r in load["results"] if r["status"] == 200)
            testing.wait_until(
                lambda: _all_alive(procs, workdir) and _count(engines["review"], "signature.verified") >= accepted,
                timeout=600,
                interval=0.05,
                message="every application received by the skeleton review",
            )
            elapsed = time.time() - load["started"]
            settled(lambda: _rows(engines))
            cpu_after = _cpu(procs, engines)
            rate = accepted / elapsed
            print(f"shape_raw_pika_publish_consume: {args.raw_messages / raw:.0f} messages/s")
            print(f"shape_applications_accepted: {accepted} applications")
            print(f"shape_submit_to_received_rate: {rate:.0f} applications/s")
            print(f"shape_submit_to_received_seconds: {elapsed:.2f} s")
            print(f"shape_submit_only_rate: {accepted / max(r['done'] for r in load['results']):.0f} applications/s")
            total = 0.0
            for name in sorted(cpu_after, key=lambda n: cpu_before[n] - cpu_after[n]):
                ms = 1000 * (cpu_after[name] - cpu_before[name]) / max(accepted, 1)
                total += ms
                print(f"shape_cpu_per_application_{name.replace('-', '_')}: {ms:.2f} ms")
            print(f"shape_cpu_per_application_total: {total:.2f} ms")
            print(f"shape_ceiling_from_cpu: {2000 / total:.0f} applications/s (2 cores / CPU per application)")
            deliveries = sum(_rows(engines)) - accepted  # every row but the front's submits
            print(f"shape_deliveries_per_application: {deliveries / max(accepted, 1):.1f} deliveries")

            half = max(1.0, rate / 2)
            jobs = [
                {"code": uuid.uuid4().hex, "sig": j["sig"], "address": j["address"]}
                for j in jobs[: max(50, int(half * args.latency_seconds))]
            ]
            lat = run_load(base, jobs, workdir, half, args.concurrency)
            ok = [r["latency"] * 1000 for r in lat["results"] if r["status"] == 200]
            print(f"shape_latency_rate: {half:.0f} applications/s")
            print(f"shape_submit_latency_p50: {percentile(ok, 50):.1f} ms")
            print(f"shape_submit_latency_p99: {percentile(ok, 99):.1f} ms")
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            for engine in engines.values():
                engine.dispose()
    return 0


def _up(base: str) -> bool:
    try:
        return urllib.request.urlopen(base + "/healthz", timeout=2).status == 200
    except OSError:
        return False


def _cpu(procs: dict, engines: dict) -> dict:
    """CPU seconds so far: each skeleton process (the front with its workers), the PostgreSQL
    backends of the skeleton's databases, RabbitMQ."""
    from bench_e2e import _cpu_seconds, infrastructure_cpu

    out = {}
    for name, proc in procs.items():
        pids = [proc.pid] + [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        out[name if name == "front" else f"{name}_consume"] = sum(_cpu_seconds(p) for p in pids)
    out.update(infrastructure_cpu(engines["review"], [str(e.url.database) for e in engines.values()]))
    return out


def main(argv=None) -> int:
    from zairyu_shared.testing import bench_size

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consume", choices=SERVICES, help=argparse.SUPPRESS)
    parser.add_argument("--applications", type=int, default=bench_size(2000, 30))
    parser.add_argument(
        "--raw-messages", type=int, default=bench_size(20000, 300), help="messages in the raw pika floor"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-seconds", type=float, default=bench_size(6.0, 1.0))
    parser.add_argument("--rate", type=float, help="applications/s offered (default: as fast as it takes them)")
    args = parser.parse_args(argv)
    return consume_main(args.consume) if args.consume else bench_main(args)


if __name__ == "__main__":
    sys.exit(main())
