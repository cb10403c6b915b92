"""``zairyu-run``: the whole system on one machine.

Embedded (default): every service in this one process, SQLite files under the data folder and
kombu's in-memory bus, each service's demo seed run once. It is for trying the system.
Real (AMQP_URL and DATABASE_URL set): each service as its own processes (gunicorn web front,
consumer process) against RabbitMQ and PostgreSQL, one database per service.
Services are found through the ``zairyu.services`` entry points, so nothing here names them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .crypto import new_key

if TYPE_CHECKING:
    from .runtime import ServiceDefinition


def definitions() -> list[ServiceDefinition]:
    found: list[ServiceDefinition] = [ep.load() for ep in entry_points(group="zairyu.services")]
    return sorted(found, key=lambda d: (d.seed_order, d.name))


def _secrets(folder: Path) -> dict[str, str]:
    """Keys for this machine's run, made once and kept (losing them would lose the demo's data)."""
    path = folder / "secrets.json"
    if path.exists():
        kept: dict[str, str] = json.loads(path.read_text())
        return kept
    values = {"ZAIRYU_SECRET_KEY": secrets.token_urlsafe(48), "ZAIRYU_DATA_KEYS": new_key()}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _service_urls(defs: list[ServiceDefinition], host: str) -> dict[str, str]:
    return {f"ZAIRYU_{d.name.upper().replace('-', '_')}_URL": f"http://{host}:{d.web_port}" for d in defs}


def run_embedded(data_dir: Path, host: str) -> int:
    from werkzeug.serving import BaseWSGIServer, make_server

    from . import logs
    from .runtime import Runtime

    defs = definitions()
    data_dir.mkdir(parents=True, exist_ok=True)
    demo_dir = data_dir / "demo"
    base_env = {
        **_secrets(data_dir),
        **_service_urls(defs, host),
        "ZAIRYU_EMBEDDED": "true",
        "AMQP_URL": "memory://",
        "ZAIRYU_DEMO_DIR": str(demo_dir),
    }
    for key, value in base_env.items():
        os.environ.setdefault(key, value)
    for d in defs:  # a service's demo hook may add settings (e.g. signing: where the test PKI is)
        if d.demo_environment:
            for key, value in d.demo_environment(demo_dir).items():
                os.environ.setdefault(key, value)
    logs.configure("zairyu-run", os.environ.get("LOG_LEVEL", "WARNING"))
    runtimes: list[Runtime] = []
    servers: list[BaseWSGIServer] = []
    print(f"Zairyu embedded run (DEMO) — data in {data_dir}")
    for d in defs:
        rt = Runtime.from_env(d, database_url=f"sqlite:///{data_dir / (d.name + '.sqlite')}")
        rt.migrate()
        runtimes.append(rt)
    for rt in runtimes:
        marker = data_dir / f".seeded-{rt.name}"
        if rt.definition.seed_demo and not marker.exists():
            print(f"\n== {rt.name}: demo data ==")
            rt.definition.seed_demo(rt)
            marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    for rt in runtimes:
        rt.declare()
    for rt in runtimes:
        rt.start_background()
        app = rt.definition.create_app(rt)
        server = make_server(host, rt.definition.web_port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True, name=f"{rt.name}-web").start()
        servers.append(server)
    print("\nRunning:")
    for rt in runtimes:
        print(f"  {rt.name:14} http://{host}:{rt.definition.web_port}/")
    print("\nApplicants: open the intake URL. Officers: the review URL. Ctrl-C stops.")

    def shutdown() -> None:
        for server in servers:
            server.shutdown()
        for rt in runtimes:
            rt.stop()

    return _wait_for_stop(shutdown)


def _wait_for_stop(shutdown: Callable[[], None]) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("\nstopping…", flush=True)
    shutdown()
    return 0


Children = list[tuple[str, "subprocess.Popen[bytes]"]]


class StepFailed(Exception):
    """A step of the real mode's start failed; its message says which and how."""


def _real_plan(defs: list[Any], port_offset: int) -> list[tuple[Any, int, int]]:
    """(definition, web port, consumer metrics port) of each service; ZAIRYU_PORT_OFFSET moves them all."""
    return [(d, d.web_port + port_offset, 9100 + i + port_offset) for i, d in enumerate(defs)]


def run_real(
    host: str, data_dir: Path, environ: dict[str, str] | None = None, stop: threading.Event | None = None
) -> int:
    """Migrate every service, then start its gunicorn front and consume process; supervise them.

    Any failed step stops every child started so far and returns 1 with a message (no traceback);
    so does a child that ends while the others run (nothing is left running unsupervised).
    """
    import sqlalchemy as sa

    env = dict(os.environ if environ is None else environ)
    stop = stop or _stop_on_signals()
    defs = definitions()
    offset = int(env.get("ZAIRYU_PORT_OFFSET", "0"))
    plan = _real_plan(defs, offset)
    prefix = env.get("ZAIRYU_DB_PREFIX", "zairyu_")
    workers = env.get("ZAIRYU_WEB_WORKERS", "2")
    server_url = env["DATABASE_URL"].rsplit("/", 1)[0]
    # This machine's keys, made once and kept under the data folder like the embedded run's.
    for key, value in _secrets(data_dir).items():
        env.setdefault(key, value)
    # Rate limits count in this machine's Redis (shared by the gunicorn workers), keyed apart per run.
    env.setdefault("ZAIRYU_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    env.setdefault("ZAIRYU_RATELIMIT_PREFIX", prefix.rstrip("_") or "zairyu")
    env.update({f"ZAIRYU_{d.name.upper().replace('-', '_')}_URL": f"http://{host}:{web}" for d, web, _ in plan})
    bindir = Path(sys.executable).parent
    children: Children = []
    try:
        admin = sa.create_engine(server_url + "/postgres", isolation_level="AUTOCOMMIT")
        try:
            envs: dict[str, dict[str, str]] = {}
            for d, _, _ in plan:
                db = prefix + d.name.replace("-", "_")
                with admin.connect() as conn:
                    if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": db}).scalar():
                        conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
                envs[d.name] = {**env, "DATABASE_URL": f"{server_url}/{db}"}
            # Every service migrated (side by side: each has its own database) before any process starts.
            migrations = [
                (d.name, subprocess.Popen([str(bindir / f"zairyu-{d.name}"), "migrate"], env=envs[d.name]))
                for d, _, _ in plan
            ]
            failed = [(name, m.wait()) for name, m in migrations if m.wait() != 0]
            if stop.is_set():
                return _stopped(children)
            if failed:
                raise StepFailed(
                    "; ".join(
                        f"{name}: `zairyu-{name} migrate` failed (exit {code}; its message is above)"
                        for name, code in failed
                    )
                )
        except sa.exc.SQLAlchemyError as exc:
            raise StepFailed(f"PostgreSQL at {server_url}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
        finally:
            admin.dispose()
        for d, web, metrics_port in plan:
            module = d.create_app.__module__
            web_env = {**envs[d.name], "PROMETHEUS_MULTIPROC_DIR": str(_fresh_dir(data_dir / "prom" / d.name))}
            children.append(
                (
                    f"{d.name} web",
                    subprocess.Popen(
                        [
                            str(bindir / "gunicorn"),
                            "-w",
                            workers,
                            "-b",
                            f"{host}:{web}",
                            "--graceful-timeout",
                            "30",
                            f"{module}:create_app()",
                        ],
                        env=web_env,
                    ),
                )
            )
            children.append(
                (
                    f"{d.name} consumer",
                    subprocess.Popen(
                        [str(bindir / f"zairyu-{d.name}"), "consume", "--port", str(metrics_port)], env=envs[d.name]
                    ),
                )
            )
    except (StepFailed, OSError) as exc:
        if stop.is_set():  # Ctrl-C reached a migration too: that is a stop, not a failure
            return _stopped(children)
        print(f"zairyu-run: {exc}", file=sys.stderr, flush=True)
        _stop_children(children)
        return 1
    print("\nRunning against RabbitMQ and PostgreSQL:")
    for d, web, metrics_port in plan:
        print(f"  {d.name:14} http://{host}:{web}/   consumer metrics http://{host}:{metrics_port}/metrics")
    print("Ctrl-C stops.", flush=True)
    while not stop.wait(0.5):
        ended = [(name, child.returncode) for name, child in children if child.poll() is not None]
        if ended and not stop.is_set():
            print(
                "zairyu-run: "
                + ", ".join(f"{name} ended (exit {code})" for name, code in ended)
                + "; stopping the others",
                file=sys.stderr,
                flush=True,
            )
            _stop_children(children)
            return 1
    return _stopped(children)


def _stopped(children: Children) -> int:
    print("\nstopping…", flush=True)
    _stop_children(children)
    return 0


def _stop_children(children: Children, timeout: float = 40.0) -> None:
    """SIGTERM every child still running, wait for them (gunicorn lets requests finish), then SIGKILL."""
    for _, child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for _, child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _fresh_dir(path: Path) -> Path:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zairyu-run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.environ.get("ZAIRYU_DATA_DIR", "var"), help="data folder")
    parser.add_argument("--host", default=os.environ.get("ZAIRYU_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    data = Path(args.data).resolve()
    if os.environ.get("AMQP_URL") and os.environ.get("DATABASE_URL"):
        return run_real(args.host, data / "real")
    return run_embedded(data / "embedded", args.host)


if __name__ == "__main__":
    sys.exit(main())
