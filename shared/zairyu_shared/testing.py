"""Test helpers shared by every package's tests: real PostgreSQL and RabbitMQ, reference data.

Outside CI a missing server or reference folder skips with a message saying how to get it;
with CI=true it fails, so a green CI run always means the real parts were exercised.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

if TYPE_CHECKING:
    from .runtime import Runtime, ServiceDefinition

_T = TypeVar("_T")

PG_ADMIN_URL = os.environ.get("ZAIRYU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("ZAIRYU_TEST_AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("ZAIRYU_TEST_AMQP_PORT", "5672"))
REDIS_HOST = os.environ.get("ZAIRYU_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("ZAIRYU_TEST_REDIS_PORT", "6379"))
REPO_ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under CI=true."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the real part must be present)")
    pytest.skip(reason)


def shared_dir() -> Path:
    """The workplace's reference and conformance data (ZAIRYU_SHARED_DIR, default ../shared)."""
    path = Path(os.environ.get("ZAIRYU_SHARED_DIR", REPO_ROOT.parent / "shared"))
    if not (path / "reference").is_dir():
        unavailable(
            f"reference data not found at {path}: set ZAIRYU_SHARED_DIR to the folder holding "
            "reference/ (JPKI roots from https://www.jpki.go.jp/ca/) and conformance/ (NIST PKITS, x509-limbo)"
        )
    return path


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if not _reachable("127.0.0.1", 5432):
        unavailable(
            "PostgreSQL is not reachable on 127.0.0.1:5432: start it "
            "(pg_ctlcluster <version> main start) to run the integration tests"
        )


def require_rabbitmq() -> None:
    if not _reachable(AMQP_HOST, AMQP_PORT):
        unavailable(
            f"RabbitMQ is not reachable on {AMQP_HOST}:{AMQP_PORT}: start it "
            "(rabbitmq-server -detached) to run the integration tests"
        )


def require_redis() -> None:
    if not _reachable(REDIS_HOST, REDIS_PORT):
        unavailable(
            f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}: start it (redis-server --daemonize yes) "
            "to run the tests of the real mode's rate limits"
        )


def redis_ratelimits() -> dict[str, str]:
    """Settings that count a test's rate limits in the real Redis, under keys no other run shares."""
    require_redis()
    return {
        "ratelimit_storage": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "ratelimit_prefix": f"zt-{uuid.uuid4().hex[:12]}",
    }


def redis_ratelimit_env() -> dict[str, str]:
    """The same as environment variables (for processes and ``Runtime.from_env(environ=...)``)."""
    values = redis_ratelimits()
    return {
        "ZAIRYU_RATELIMIT_STORAGE": values["ratelimit_storage"],
        "ZAIRYU_RATELIMIT_PREFIX": values["ratelimit_prefix"],
    }


@contextmanager
def fresh_database(prefix: str = "zt") -> Iterator[str]:
    """A new, empty PostgreSQL database for one test run; dropped afterwards."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    as_admin(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        clean_up_later(drop_database, name)


def drop_database(name: str) -> None:
    as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def as_admin(sql: str) -> None:
    """One statement on the test server's admin database (CREATE/DROP DATABASE), on a connection of its own."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test server."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _libpq(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dump(url: str, path: Path | str) -> None:
    """A backup of the database at ``url`` as the nightly one is taken (pg_dump, custom format), into ``path``."""
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq(url)], check=True)


def pg_restore(url: str, path: Path | str) -> None:
    """That backup restored into the (empty) database at ``url``."""
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={_libpq(url)}", str(path)], check=True)


def _rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        unavailable("rabbitmqctl not found: run the tests on the machine that runs RabbitMQ")
    subprocess.run([exe, "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def fresh_vhost(prefix: str = "zt") -> Iterator[str]:
    """A new RabbitMQ vhost (guest allowed) for one test run; deleted afterwards. Yields an AMQP URL."""
    require_rabbitmq()
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{AMQP_HOST}:{AMQP_PORT}/{name}"
    finally:
        clean_up_later(_rabbitmqctl_quietly, "delete_vhost", name)


def _rabbitmqctl_quietly(*args: str) -> None:
    try:
        _rabbitmqctl(*args)
    except subprocess.CalledProcessError:
        pass


_cleaner: ThreadPoolExecutor | None = None


def clean_up_later(work: Callable[..., object], *args: object) -> None:
    """Run a test resource's removal (a vhost deleted, a database dropped) beside the next test instead of in
    its teardown: each is 0.3-1.2 s of waiting (an Erlang VM started by rabbitmqctl, a DROP DATABASE), and no
    test needs the last one's gone. Every name is unique, so nothing waits on it; the executor's threads are
    joined when the test process exits, so nothing is left behind on the machine."""
    global _cleaner
    if _cleaner is None:
        _cleaner = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zt-cleanup")
    _cleaner.submit(work, *args)


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id still, at test-sized cost, for a service's own tests: the real parameters (64 MiB, three passes,
    four lanes) cost 0.2-0.4 s a hash or a check on this machine, and a test signing people up and in does several.
    The real mode, the scenarios and the browser journeys keep the real parameters; shared/tests/test_credentials.py
    checks those."""
    from argon2 import PasswordHasher

    from . import credentials

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "HASHER", cheap)  # every service hashes and checks through credentials
    # the dummy hash unknown users are checked against, at the same cost as a real check
    monkeypatch.setattr(credentials, "DUMMY_HASH", cheap.hash("not a password of anyone"))


class ReceivedMessage:
    """A message as a consumer reads it off kombu (body, tag, properties, headers, ack), for benches that run a
    service's consumer in process without a broker."""

    def __init__(self, body: bytes) -> None:
        self.body, self.delivery_tag = body, 1
        self.properties: dict[str, object] = {}
        self.headers: dict[str, object] = {}

    def ack(self, multiple: bool = False) -> None:
        pass


BENCH_SMOKE = "ZAIRYU_BENCH_SMOKE"


def bench_size(full: _T, smoke: _T) -> _T:
    """A bench's size (a count, seconds): ``smoke`` when ZAIRYU_BENCH_SMOKE=1, where the suite runs every bench
    only to see that it still runs to its end and prints its figures (make bench broke twice unseen: a contract's
    new version, then a changed registration); the figures of such a run mean nothing."""
    return smoke if os.environ.get(BENCH_SMOKE) == "1" else full


_FIGURE = re.compile(r"^[a-z][a-z0-9_]*: -?\d+(\.\d+)?(e[-+]?\d+)? \S")


def bench_figure(line: str) -> tuple[str, float] | None:
    """A bench's line as (name, value) when it is a figure, ``name: value unit``; None for anything else."""
    if not _FIGURE.match(line):
        return None
    name, _, rest = line.partition(": ")
    return name, float(rest.split()[0])


def run_bench_smoke(script: Path, timeout: float = 300) -> dict[str, float]:
    """Run a bench at its smoke size and return its figures; fail the test if it stops or prints a figure line
    that is not ``name: value unit`` (comments start with '#', detail lines with a space)."""
    env = {**os.environ, BENCH_SMOKE: "1"}
    # In its own process group: at the timeout every process of it (bench_ratios runs two benches, each a cluster)
    # gets SIGINT and unwinds, dropping its scratch databases and vhost; SIGKILL only if that does not end it.
    bench = subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = bench.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(bench.pid, signal.SIGINT)
        try:
            stdout, stderr = bench.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(bench.pid, signal.SIGKILL)
            stdout, stderr = bench.communicate()
        pytest.fail(
            f"{script} still running after {timeout:.0f} s; its output:\n{stdout[-3000:]}\n--- stderr:\n{stderr[-3000:]}"
        )
    run = subprocess.CompletedProcess(bench.args, bench.returncode, stdout, stderr)
    assert run.returncode == 0, f"{script} stopped with {run.returncode}:\n{run.stderr[-4000:]}"
    figures: dict[str, float] = {}
    for line in run.stdout.splitlines():
        if not line or line[0] in "# ":
            continue
        found = bench_figure(line)
        assert found, f"{script} printed a line that is no `name: value unit`: {line!r}"
        figures[found[0]] = found[1]
    assert figures, f"{script} printed no figure:\n{run.stdout[-2000:]}"
    return figures


def counted_statements(engine: Any) -> collections.Counter[str]:
    """Each statement's SQL (and each COMMIT) ``engine`` runs from now on, counted: a bench's statements."""
    import sqlalchemy as sa

    counts: collections.Counter[str] = collections.Counter()
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: counts.update((sql,)))
    sa.event.listen(engine, "commit", lambda _conn: counts.update(("COMMIT",)))
    return counts


def print_consume_cost(prefix: str, cpu_seconds: float, counts: collections.Counter[str] | None, per: int) -> None:
    """A consumer bench's ``<prefix>_cpu_per_application`` line and, when its statements were counted (only when
    asked: the listener costs instructions of its own), ``<prefix>_statements_per_application`` with each one."""
    print(f"{prefix}_cpu_per_application: {cpu_seconds * 1000 / per:.2f} ms")
    if counts is not None:
        print_statements(f"{prefix}_statements_per_application", counts, per)


def print_statements(name: str, counts: collections.Counter[str], per: int) -> None:
    """A bench's ``name: value statements`` line and each statement's count per unit (an application, a case)."""
    print(f"{name}: {sum(counts.values()) / per:.2f} statements")
    for statement, k in counts.most_common():
        print(f"  {k / per:5.2f}", " ".join(statement.split())[:110])


class CpuSpent:
    """What a measured loop cost: ``seconds`` of this process's CPU, set when the loop ends."""

    seconds = 0.0


@contextmanager
def measured_loop(callgrind: bool = False, profile_to: str | None = None, collect: bool = True) -> Iterator[CpuSpent]:
    """A bench's measured loop: start-up's objects frozen out of the GC first (where a full sweep falls is noise
    between runs), callgrind counting only inside it when asked (a bench started with ``--instr-atstart=no``),
    a cProfile of its CPU time written to ``profile_to`` if given, automatic collection off with ``collect=False``
    (two trees compared: a collection falling elsewhere moves the count). Yields its CPU time, set on exit."""
    import cProfile
    import gc
    import time

    gc.collect()
    gc.freeze()
    if not collect:
        gc.disable()
    profile = None
    if profile_to:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
    if callgrind:
        callgrind_instrumentation(True)
    spent = CpuSpent()
    started = time.process_time()
    try:
        yield spent
    finally:
        spent.seconds = time.process_time() - started
        if callgrind:
            callgrind_instrumentation(False)
        if profile is not None and profile_to:
            profile.disable()
            profile.dump_stats(profile_to)
        gc.enable()


def callgrind_instrumentation(on: bool) -> None:
    """Switch valgrind's callgrind counting on or off for this process (a bench started with
    ``--instr-atstart=no`` counts only what it measures)."""
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True, capture_output=True
    )


def wait_until(
    predicate: Callable[[], _T], timeout: float = 20.0, interval: float = 0.02, message: str = "condition"
) -> _T:
    """Poll a condition with a deadline (tests never sleep a fixed time)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def proc_status_mb(field: str, pid: int | str = "self") -> float:
    """A memory figure of a process from /proc/PID/status ("VmRSS", "VmHWM", "RssAnon", "RssFile"), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


# Below Linux's ephemeral range (32768-60999 by default): a port the kernel hands out for port 0 is the kind every
# outgoing connection takes too, and a test's server starts seconds after its port is chosen (migrations, imports).
# A bench run's review consumer once found its port taken in between and exited ("Address already in use").
_OWN_PORTS = range(20000, 32768)
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on right now (for a test's own server), on every interface (a consumer's health
    server binds 0.0.0.0), outside the ephemeral range, and never one this process handed out before."""
    import random

    for _ in range(200):
        port = random.choice(_OWN_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free TCP port found in {_OWN_PORTS.start}-{_OWN_PORTS.stop - 1}")


def service_runtime(definition: ServiceDefinition, *, migrate: bool = True, **settings: Any) -> Runtime:
    """A service's runtime for a test: settings given here only (the environment is not read), embedded
    (no supervisor), its schema from the Alembic history (never create_all) unless ``migrate=False``."""
    from .runtime import Runtime

    settings.setdefault("embedded", True)
    runtime = Runtime.from_env(definition, environ={}, **settings)
    if migrate:
        runtime.migrate()
    return runtime


def staged_events(runtime: Runtime, event_type: str | None = None) -> list[dict[str, Any]]:
    """The events a runtime has staged in its outbox, whole envelopes, oldest first; only ``event_type``'s if given."""
    import json

    import sqlalchemy as sa

    outbox = runtime.outbox
    query = sa.select(outbox.c.body).order_by(outbox.c.seq)
    if event_type is not None:
        query = query.where(outbox.c.event_type == event_type)
    from .outbox import open_body

    with runtime.engine.connect() as conn:
        return [json.loads(open_body(body, runtime.keyring)) for body in conn.execute(query).scalars()]


class SoftKey:
    """The bureau's signing key as a software stand-in for review's PKCS#11 token: a P-256 key in memory that
    signs a SHA-256 digest as raw r||s (the documents' seal and the access log's tree heads). Its key id is
    ``kid`` if given, else the one documents.key_id gives."""

    def __init__(self, kid: str | None = None, demo: bool = False) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        from .documents import key_id

        self._key = ec.generate_private_key(ec.SECP256R1())
        self.public_key_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.demo = demo
        self.kid = kid if kid is not None else key_id(self.public_key_der, demo)

    def sign_digest(self, digest: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils

        r, s = utils.decode_dss_signature(self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
