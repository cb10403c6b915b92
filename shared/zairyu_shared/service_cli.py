"""The command every service ships (``zairyu-<service>``): migrate, consume, web, seed-demo, settings."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from . import logs
from .config import describe
from .runtime import Runtime, ServiceDefinition
from .web import broker_check, create_base_app, database_check

log = logging.getLogger(__name__)


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"zairyu-{definition.name}", description=f"Zairyu {definition.name} service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply this service's database migrations (idempotent)")
    consume = sub.add_parser("consume", help="run the event consumers and the outbox relay")
    consume.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("ZAIRYU_CONSUMER_PORT", "9100")),
        help="port for /healthz, /readyz and /metrics of this process",
    )
    web = sub.add_parser("web", help="development web server (production: gunicorn)")
    web.add_argument("--port", type=int, default=definition.web_port)
    web.add_argument("--host", default="127.0.0.1")
    purge = sub.add_parser("purge", help="delete the records whose retention period has ended (README: Retention)")
    purge.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    rotate = sub.add_parser(
        "rotate-keys", help="re-encrypt under the newest ZAIRYU_DATA_KEYS key, in batches, while the service runs"
    )
    rotate.add_argument("--batch", type=int, default=500)
    rotate.add_argument("--check", action="store_true", help="only count what still needs an older key (0: drop it)")
    erase = sub.add_parser(
        "erase-subject", help="destroy a person's data key: their data is unreadable everywhere, backups too"
    )
    erase.add_argument("subject", help="the applicant id")
    sub.add_parser("reapply-erasures", help="after a restore: destroy again the keys of everyone in the erasure ledger")
    again = sub.add_parser(
        "republish", help="after another service's restore: send again the events staged since a moment"
    )
    again.add_argument(
        "--since", required=True, help="ISO 8601 time with offset (the restored backup's time, minus a margin)"
    )
    again.add_argument("--type", action="append", default=[], dest="types", help="only this event type (repeatable)")
    sub.add_parser("seed-demo", help="create demo data (embedded run only)")
    sub.add_parser("settings", help="list the environment variables this service reads")
    args = parser.parse_args(argv)

    if args.command == "settings":
        for env, default, help_text in describe(definition.settings_class):
            print(f"{env:28} {default:24} {help_text}")
        return 0

    runtime = Runtime.from_env(definition)
    logs.configure(definition.name, runtime.settings.log_level)
    if args.command == "migrate":
        runtime.migrate()
        print(f"{definition.name}: database at head")
        return 0
    if args.command == "purge":
        report = runtime.purge(dry_run=args.dry_run)
        verb = "would purge" if args.dry_run else "purged"
        for kind, count in sorted(report.counts.items()):
            print(f"{definition.name}: {verb} {count:>8} {kind}")
        return 0
    if args.command == "republish":
        from datetime import datetime

        from .outbox import republish

        since = datetime.fromisoformat(args.since)
        if since.tzinfo is None:
            print("--since needs a UTC offset (e.g. 2026-12-06T02:30:00+09:00)", file=sys.stderr)
            return 2
        count = republish(runtime.session_factory, runtime.outbox, since, tuple(args.types))
        print(f"{definition.name}: {count} events marked for publishing again (the consume process's relay sends them)")
        return 0
    if args.command in ("rotate-keys", "erase-subject", "reapply-erasures"):
        return _keys_command(runtime, args)
    if args.command == "seed-demo":
        if not runtime.settings.embedded:
            print("seed-demo refuses to run outside the embedded run (ZAIRYU_EMBEDDED=true)", file=sys.stderr)
            return 2
        if definition.seed_demo:
            definition.seed_demo(runtime)
        return 0
    if args.command == "web":
        app = definition.create_app(runtime)
        app.run(host=args.host, port=args.port, threaded=True)
        return 0
    return _consume(runtime, args.port)


def _keys_command(runtime: Runtime, args: argparse.Namespace) -> int:
    from . import outbox, subject_keys

    name, metadata = runtime.name, runtime.definition.metadata
    if runtime.keyring is None:
        print(f"{name}: no per-person keys in this service", file=sys.stderr)
        return 2
    if args.command == "erase-subject":
        with runtime.engine.begin() as conn:
            destroyed = runtime.keyring.erase(conn, args.subject)
        print(f"{name}: {'data key destroyed' if destroyed else 'no data key (already erased or never stored)'}")
        return 0
    if args.command == "reapply-erasures":
        with runtime.engine.begin() as conn:
            print(f"{name}: {runtime.keyring.reapply(conn)} data keys destroyed again")
        return 0
    if not args.check:
        report = subject_keys.rotate_keys(runtime.engine, metadata, batch=args.batch)
        # Outbox bodies staged before they were sealed (issue 20) go under their person's key too.
        report.update(
            outbox.seal_stored_bodies(
                runtime.engine, runtime.outbox, runtime.keyring, args.batch, runtime.definition.outbox_seal_subject
            )
        )
        if runtime.definition.rotate_files is not None:
            report.update(runtime.definition.rotate_files(runtime, args.batch))
        if runtime.definition.rotate_rows is not None:
            report.update(runtime.definition.rotate_rows(runtime, args.batch))
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in report.items()))
    left = subject_keys.values_needing_old_keys(runtime.engine, metadata)
    print(f"{name}: {left} values still need an older key" + ("" if left else " (the older keys can be dropped)"))
    bodies = outbox.plain_personal_bodies(runtime.engine, runtime.outbox)
    print(f"{name}: {bodies} outbox bodies not yet under their person's key")
    left += bodies
    if runtime.definition.rows_left is not None:
        rows = runtime.definition.rows_left(runtime)
        print(f"{name}: {rows} rows not yet under their data key")
        left += rows
    if runtime.definition.files_left is not None:
        files = runtime.definition.files_left(runtime)
        print(f"{name}: {files} files not yet under their owner's key")
        left += files
    return 1 if args.check and left else 0


def _consume(runtime: Runtime, port: int) -> int:
    stop = runtime.stop_event
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Finish the message in hand, then leave; unacked ones are redelivered elsewhere.
        signal.signal(sig, lambda *_: stop.set())
    health = create_base_app(
        f"{runtime.name}-consumer",
        __name__,
        ready_checks={"database": database_check(runtime.engine), "broker": broker_check(runtime.settings.amqp_url)},
    )
    from werkzeug.serving import make_server

    server = make_server("0.0.0.0", port, health, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="health").start()
    runtime.start_background()
    log.info("consumers running", extra={"port": port})
    code = 0
    # A dead consumer or relay thread leaves a process that answers /healthz and does nothing: leave
    # instead, so that it is started again (Kubernetes, the chaos cluster) and its messages redelivered.
    while not stop.wait(1.0):
        ended = runtime.ended_threads()
        if ended:
            log.error("a background thread ended; leaving so the process is restarted", extra={"threads": ended})
            code = 1
            stop.set()
    server.shutdown()
    runtime.stop()
    return code
