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
from importlib.metadata import entry_points
from pathlib import Path

from .crypto import new_key


def definitions() -> list:
    found = [ep.load() for ep in entry_points(group="zairyu.services")]
    return sorted(found, key=lambda d: (d.seed_order, d.name))


def _secrets(folder: Path) -> dict:
    """Keys for this machine's run, made once and kept (losing them would lose the demo's data)."""
    path = folder / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {"ZAIRYU_SECRET_KEY": secrets.token_urlsafe(48), "ZAIRYU_DATA_KEYS": new_key()}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _service_urls(defs, host: str) -> dict:
    return {f"ZAIRYU_{d.name.upper().replace('-', '_')}_URL": f"http://{host}:{d.web_port}" for d in defs}


def run_embedded(data_dir: Path, host: str) -> int:
    from werkzeug.serving import make_server

    from . import logs
    from .runtime import Runtime

    defs = definitions()
    data_dir.mkdir(parents=True, exist_ok=True)
    demo_dir = data_dir / "demo"
    base_env = {**_secrets(data_dir), **_service_urls(defs, host), "ZAIRYU_EMBEDDED": "true",
                "AMQP_URL": "memory://", "ZAIRYU_DEMO_DIR": str(demo_dir)}
    for key, value in base_env.items():
        os.environ.setdefault(key, value)
    for d in defs:  # a service's demo hook may add settings (e.g. signing: where the test PKI is)
        if d.demo_environment:
            for key, value in d.demo_environment(demo_dir).items():
                os.environ.setdefault(key, value)
    logs.configure("zairyu-run", os.environ.get("LOG_LEVEL", "WARNING"))
    runtimes, servers = [], []
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
    return _wait_for_stop(lambda: [s.shutdown() for s in servers] and [rt.stop() for rt in runtimes])


def _wait_for_stop(shutdown) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("\nstopping…", flush=True)
    shutdown()
    return 0


def run_real(host: str, data_dir: Path) -> int:
    import sqlalchemy as sa

    defs = definitions()
    server_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {**os.environ, **_service_urls(defs, host)}
    for key, value in _secrets(data_dir).items():
        env.setdefault(key, value)
    admin = sa.create_engine(server_url + "/postgres", isolation_level="AUTOCOMMIT")
    children: list[subprocess.Popen] = []
    bindir = Path(sys.executable).parent
    for i, d in enumerate(defs):
        db = "zairyu_" + d.name.replace("-", "_")
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": db}).scalar():
                conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
        senv = {**env, "DATABASE_URL": f"{server_url}/{db}"}
        subprocess.run([str(bindir / f"zairyu-{d.name}"), "migrate"], env=senv, check=True)
        module = d.create_app.__module__
        senv_web = {**senv, "PROMETHEUS_MULTIPROC_DIR": str(_fresh_dir(data_dir / "prom" / d.name))}
        children.append(subprocess.Popen([str(bindir / "gunicorn"), "-w", "2", "-b", f"{host}:{d.web_port}",
                                          "--graceful-timeout", "30", f"{module}:create_app()"], env=senv_web))
        children.append(subprocess.Popen([str(bindir / f"zairyu-{d.name}"), "consume", "--port", str(9100 + i)],
                                         env=senv))
    admin.dispose()
    print("\nRunning against RabbitMQ and PostgreSQL:")
    for i, d in enumerate(defs):
        print(f"  {d.name:14} http://{host}:{d.web_port}/   consumer metrics http://{host}:{9100 + i}/metrics")

    def shutdown():
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(60)
            except subprocess.TimeoutExpired:
                child.kill()

    return _wait_for_stop(shutdown)


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
