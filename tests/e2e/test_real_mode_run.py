"""The real mode on one machine, as `AMQP_URL=... DATABASE_URL=... make run` starts it (`zairyu-run`).

Against the real RabbitMQ (a vhost of its own), PostgreSQL (databases named with a prefix of their own) and
Redis (rate-limit keys under that prefix), every service's gunicorn front and consume process start and answer /readyz (signing says which
trust data it lacks), and stopping the supervisor leaves no process behind. A step that fails (a refused
setting, a port already taken) stops every child already started and says why, without a traceback.
Issue 15, finding 1: it used to stop at intake's migration with a traceback and leave card-delivery running.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from zairyu_shared import testing
from zairyu_shared.supervisor import _real_plan, definitions

pytestmark = [pytest.mark.real_run, pytest.mark.slow]  # in the normal suite; `-m "not slow"` skips it
BIN = Path(sys.executable).parent


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _ephemeral_ports_from() -> int:
    """The lowest port the kernel hands out for outgoing connections and bind(0) (Linux: 32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _port_offset() -> int:
    """An offset at which every port the run needs is free (others may be running `make run`), every port below
    the kernel's ephemeral range when there is room: a port from that range, free when looked at, can be handed
    to another process's connection or free_port() (the suite's other worker) in the seconds before zairyu-run
    binds it ("Port 44142 is in use by another program", seen on two workers)."""
    names = len(definitions())
    highest = max(max(web, metrics) for _, web, metrics in _real_plan(definitions(), 0))
    below = _ephemeral_ports_from() - highest
    low, high = (10000, below) if below > 11000 else (20000, 40000)
    for _ in range(50):
        offset = random.randrange(low, high, 10)
        ports = [p for _, web, metrics in _real_plan(definitions(), offset) for p in (web, metrics)]
        if len(ports) == 2 * names and all(_free(p) for p in ports):
            return offset
    raise AssertionError("no free ports for the run")


def _session_processes(sid: int) -> list[int]:
    """Processes of the session the supervisor leads: its children and theirs (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: session id
            found.append(int(entry.name))
    return found


@contextmanager
def real_run(tmp_path, **extra_env):
    """zairyu-run in its own session against a fresh vhost and prefixed databases; yields (process, ports)."""
    import sqlalchemy as sa

    testing.require_postgres()
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        testing.unavailable(
            "Redis is not reachable on 127.0.0.1:6379 (the real mode's rate limits count there): "
            "start it (redis-server --daemonize yes)"
        )
    prefix = f"zt_run_{uuid.uuid4().hex[:8]}_"
    offset = _port_offset()
    with testing.fresh_vhost("zt-run") as amqp:
        env = {
            **os.environ,
            "AMQP_URL": amqp,
            "DATABASE_URL": testing.PG_ADMIN_URL,
            "ZAIRYU_DB_PREFIX": prefix,
            "ZAIRYU_PORT_OFFSET": str(offset),
            "ZAIRYU_WEB_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
            **extra_env,
        }
        for key in ("ZAIRYU_EMBEDDED", "ZAIRYU_SECRET_KEY", "ZAIRYU_DATA_KEYS", "ZAIRYU_PAYMENT_PROVIDER"):
            if key not in extra_env:
                env.pop(key, None)  # what the machine would have: nothing set but the two URLs
        # Output to files, not pipes: fifteen processes' logs would fill a pipe nobody reads while we wait.
        with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
            proc = subprocess.Popen(
                [str(BIN / "zairyu-run"), "--data", str(tmp_path / "var")],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        try:
            yield proc, _real_plan(definitions(), offset)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            left = _session_processes(proc.pid)
            for pid in left:  # never leave a stray server on the machine, even when the test failed
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            admin = sa.create_engine(testing.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for d in definitions():
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{prefix}{d.name.replace("-", "_")}" WITH (FORCE)'))
            admin.dispose()


def _err(tmp_path) -> str:
    return (tmp_path / "err.txt").read_text()


def _readyz(port: int) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except (OSError, ValueError):
        return None


def test_make_run_real_mode_starts_every_service_ready_and_stops_with_no_child_left(tmp_path):
    with real_run(tmp_path) as (proc, plan):
        answers: dict = {}
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and proc.poll() is None:
            for d, web, metrics in plan:
                for port in (web, metrics):
                    if port not in answers:
                        got = _readyz(port)
                        if got is not None:
                            answers[port] = (d.name, got)
            if len(answers) == 2 * len(plan):
                break
            time.sleep(0.5)
        assert proc.poll() is None, _err(tmp_path)
        assert len(answers) == 2 * len(plan), f"not answering: {answers}"
        for d, web, metrics in plan:
            status, body = answers[web][1]
            if d.name == "signing":
                # no J-LIS roots on this machine: not ready, and it says what trust data is missing
                assert status == 503 and set(body["failures"]) == {"trust"}, body
                assert "ZAIRYU_TRUST_DIR" in body["failures"]["trust"], body
            else:
                assert (status, body["status"]) == (200, "ready"), (d.name, body)
            assert answers[metrics][1][0] == 200, (d.name, answers[metrics])  # the consume process
        assert len(_session_processes(proc.pid)) >= 1 + 3 * len(plan)  # gunicorn arbiter + worker, consumer
        secrets = json.loads((tmp_path / "var" / "real" / "secrets.json").read_text())
        assert set(secrets) >= {"ZAIRYU_SECRET_KEY", "ZAIRYU_DATA_KEYS"}  # this machine's, kept under var/
        assert (tmp_path / "var" / "real" / "secrets.json").stat().st_mode & 0o077 == 0
        proc.send_signal(signal.SIGTERM)
        proc.wait(90)
        err = _err(tmp_path)
        assert proc.returncode == 0, err
        assert "Traceback" not in err, err
        assert _session_processes(proc.pid) == [], "children left running after the supervisor stopped"


def test_a_refused_setting_stops_the_run_before_anything_runs_and_says_why(tmp_path):
    """The DEMO payment provider outside the embedded run: refused by intake's settings at its migration."""
    with real_run(tmp_path, ZAIRYU_PAYMENT_PROVIDER="demo") as (proc, _):
        proc.wait(120)
        err = _err(tmp_path)
        assert proc.returncode == 1, err
        assert "ZAIRYU_PAYMENT_PROVIDER=demo is only for the embedded run" in err, err
        assert "zairyu-run: intake: `zairyu-intake migrate` failed" in err and "Traceback" not in err, err
        assert _session_processes(proc.pid) == [], "a failed step left children running"


def test_a_child_that_cannot_start_stops_every_other_child(tmp_path):
    """A port already taken: that gunicorn ends, and the supervisor stops all it started, then says so."""
    with real_run(tmp_path) as (proc, plan):
        _, taken_port, _ = plan[-1]
        with socket.socket() as blocker:
            blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            blocker.bind(("127.0.0.1", taken_port))
            blocker.listen()
            proc.wait(150)
        err = _err(tmp_path)
        assert proc.returncode == 1, err
        assert f"{plan[-1][0].name} web ended" in err and "stopping the others" in err, err
        assert _session_processes(proc.pid) == [], "children left running after a child failed"
