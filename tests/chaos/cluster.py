"""The whole system as real processes, the way `make run` runs it against RabbitMQ and PostgreSQL:
per service a gunicorn web front and a `zairyu-<service> consume` process, a fresh vhost, a fresh
database each, a test PKI for signing, and an SMTP server (aiosmtpd) that records every mail.

Used by the chaos scenario (tests/chaos/chaos.py) and the end-to-end bench (bench/bench_e2e.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from importlib.metadata import entry_points
from pathlib import Path

from zairyu_shared import crypto, testing
from zairyu_shared.testing import free_port
from zairyu_shared.testing_databases import migrated_database

BIN = Path(sys.executable).parent
SERVICES = ("signing", "review", "notify", "card-delivery", "intake")  # consumers before the fronts feeding them
MODULES = {
    "intake": "intake",
    "signing": "signing",
    "review": "review",
    "notify": "notify",
    "card-delivery": "card_delivery",
}


class MailSink:
    """aiosmtpd handler: every mail received, kept in memory (the test's view of the outside world)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mails: list = []
        # addresses this relay refuses for good (550), as a real one does for a mailbox that does not exist
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.mails.append(msg)
        return "250 OK"

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(m["Message-ID"] for m in self.mails)

    def snapshot(self) -> list:
        with self.lock:
            return list(self.mails)


@dataclass
class Proc:
    name: str  # e.g. "intake-web", "review-consume"
    argv: list
    env: dict
    popen: subprocess.Popen | None = None
    health: str = ""

    def start(self, log_dir: Path) -> None:
        log = open(log_dir / f"{self.name}.log", "ab")
        self.popen = subprocess.Popen(
            self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def pids(self) -> list[int]:
        """The process and its children (gunicorn's workers)."""
        if not self.alive():
            return []
        out = [self.popen.pid]
        children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        if children.exists():
            out += [int(p) for p in children.read_text().split()]
        return out


@dataclass
class Cluster:
    amqp_url: str
    vhost: str
    databases: dict
    urls: dict
    pki: object
    mail: MailSink
    log_dir: Path
    procs: dict = field(default_factory=dict)
    # lists the vhost's queue names (the machine's rabbitmqctl by default; a cluster of our own has its own)
    list_queues: object = None

    def url(self, service: str) -> str:
        return self.urls[service]

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to finish the message in hand, ack, or mark outbox rows."""
        proc = self.procs[name]
        os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(30)

    def restart(self, name: str, timeout: float = 60) -> None:
        proc = self.procs[name]
        proc.start(self.log_dir)
        wait_healthy(proc, timeout)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.alive():
                os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in self.procs.values():
            if proc.popen is None:
                continue
            try:
                proc.popen.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(10)

    def check_alive(self) -> None:
        dead = [n for n, p in self.procs.items() if not p.alive()]
        if dead:
            # CI keeps only what the test printed, not the log folder: say how each died
            last_words = "".join(
                f"\n--- {n}: exit {self.procs[n].popen.returncode}, last lines of its log:\n{self.log_tail(n)}"
                for n in dead
            )
            raise RuntimeError(f"service processes died: {dead} (logs in {self.log_dir}){last_words}")

    def log_tail(self, name: str, lines: int = 25) -> str:
        log = self.log_dir / f"{name}.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def wait_healthy(proc: Proc, timeout: float = 60) -> None:
    def ok():
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}")
        try:
            with urllib.request.urlopen(proc.health, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    testing.wait_until(ok, timeout=timeout, interval=0.1, message=f"{proc.name} healthy at {proc.health}")


@contextmanager
def running_system(
    workdir: Path,
    web_workers: dict | None = None,
    extra_env: dict | None = None,
    broker=None,
    database_urls: dict | None = None,
    more_valid_holders: int = 0,
):
    """Start everything; yields a Cluster; stops the processes and drops vhost and databases.

    `broker`: None for a fresh vhost on the machine's RabbitMQ, or a started rabbit_cluster.RabbitCluster
    (the services then get every node's address as kombu failover alternatives). `database_urls` gives a
    service a database made elsewhere (e.g. on a primary/standby pair) instead of a fresh one here.
    `more_valid_holders`: test applicants beyond the PKI's three valid ones (a load test's accounts)."""
    from aiosmtpd.controller import Controller

    from signing.testpki import create_test_pki

    workdir.mkdir(parents=True, exist_ok=True)
    log_dir = workdir / "logs"
    log_dir.mkdir(exist_ok=True)
    web_workers = {"intake": 3, **(web_workers or {})}
    pki = create_test_pki(workdir / "pki", more_valid=more_valid_holders)
    with ExitStack() as stack:
        mail = MailSink()
        smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stack.callback(smtp.stop)
        amqp = broker.amqp_url() if broker is not None else stack.enter_context(testing.fresh_vhost("zt-chaos"))
        ports = {s: free_port() for s in SERVICES}
        urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}
        base = {
            **os.environ,
            "AMQP_URL": amqp,
            "LOG_LEVEL": "WARNING",
            "ZAIRYU_SECRET_KEY": "c" * 48,
            "ZAIRYU_DATA_KEYS": crypto.new_key(),
            "ZAIRYU_PAYMENT_SECRET": "p" * 48,
            **{f"ZAIRYU_{s.upper().replace('-', '_')}_URL": u for s, u in urls.items()},
            "ZAIRYU_PORTAL_URL": urls["intake"],
            # signing trusts the test PKI (allowed outside the embedded run only when asked for)
            "ZAIRYU_ALLOW_TEST_PKI": "true",
            "ZAIRYU_TRUST_PINS": f"test:{pki.root / 'manifest.json'}",
            "ZAIRYU_TRUST_DIR": str(pki.root / "trust"),
            "ZAIRYU_CRL_DIR": str(pki.crl_dir),
            "ZAIRYU_SIGN_POLICY_OID": "test",
            "ZAIRYU_AUTH_POLICY_OID": "test",
            # intake: the load arrives from 127.0.0.1 as if through the ingress, one address per applicant
            "ZAIRYU_INTAKE_STORE": str(workdir / "intake-store"),
            "ZAIRYU_GEO_GATE": "false",
            "ZAIRYU_PROXY_HOPS": "1",
            "ZAIRYU_PROXY_NETWORKS": "127.0.0.1/32",
            # the real mode counts rate limits in Redis (shared by each service's gunicorn workers)
            **testing.redis_ratelimit_env(),
            # notify: our SMTP server, no send-rate cap (it protects a real relay, not this sink)
            "ZAIRYU_SMTP_HOST": "127.0.0.1",
            "ZAIRYU_SMTP_PORT": str(smtp.port),
            "ZAIRYU_NOTIFY_SEND_RATE": "0",
            "ZAIRYU_NOTIFY_POLL_SECONDS": "0.2",
            # a SIGKILLed sender leaves its claimed mails 'sending' until the lease ends (300 s by
            # default); a shorter lease lets the scenario see them retaken and sent within its run
            "ZAIRYU_NOTIFY_CLAIM_LEASE_SECONDS": "30",
            **(extra_env or {}),
        }
        base.pop("PROMETHEUS_MULTIPROC_DIR", None)
        # each a copy of a template migrated once per run; the CLI's `migrate` below still runs on it
        definitions = {ep.name: ep for ep in entry_points(group="zairyu.services")}
        databases = {}
        for s in SERVICES:
            databases[s] = (database_urls or {}).get(s) or stack.enter_context(
                migrated_database(definitions[s].load(), "zt_chaos_" + s.replace("-", "_"))
            )
        cluster = Cluster(
            amqp_url=amqp,
            vhost=broker.vhost if broker is not None else amqp.rsplit("/", 1)[1],
            databases=databases,
            urls=urls,
            pki=pki,
            mail=mail,
            log_dir=log_dir,
            list_queues=(lambda: list(broker.queues())) if broker is not None else None,
        )
        stack.callback(cluster.stop)
        migrating = {}  # the five migrations at once: each its own database
        for s in SERVICES:
            env = {**base, "DATABASE_URL": databases[s]}
            migrating[s] = subprocess.Popen(
                [str(BIN / f"zairyu-{s}"), "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            mport = free_port()
            cluster.procs[f"{s}-consume"] = Proc(
                f"{s}-consume",
                [str(BIN / f"zairyu-{s}"), "consume", "--port", str(mport)],
                env,
                health=f"http://127.0.0.1:{mport}/healthz",
            )
            prom = workdir / "prom" / s
            prom.mkdir(parents=True, exist_ok=True)
            cluster.procs[f"{s}-web"] = Proc(
                f"{s}-web",
                [
                    str(BIN / "gunicorn"),
                    "-w",
                    str(web_workers.get(s, 1)),
                    "-b",
                    f"127.0.0.1:{ports[s]}",
                    "--graceful-timeout",
                    "10",
                    "--backlog",
                    "2048",
                    f"{MODULES[s]}.entrypoints.web:create_app()",
                ],
                {**env, "PROMETHEUS_MULTIPROC_DIR": str(prom)},
                health=f"{urls[s]}/healthz",
            )
        for migration in migrating.values():
            out, err = migration.communicate(timeout=300)
            if migration.returncode:
                raise subprocess.CalledProcessError(migration.returncode, migration.args, out, err)
        # consumers first, all healthy before any front starts: they declare the queues the fronts' events are
        # routed to (started together: nothing is published before a front takes an application)
        for s in SERVICES:
            cluster.procs[f"{s}-consume"].start(log_dir)
        for s in SERVICES:
            wait_healthy(cluster.procs[f"{s}-consume"])
        for s in SERVICES:
            cluster.procs[f"{s}-web"].start(log_dir)
        for s in SERVICES:
            wait_healthy(cluster.procs[f"{s}-web"])
        yield cluster


def rss_mb(pid: int) -> float:
    """Resident set size of one process, from /proc (no psutil needed)."""
    return testing.proc_status_mb("VmRSS", pid)


def settle(predicate, timeout: float, message: str, interval: float = 0.25):
    return testing.wait_until(predicate, timeout=timeout, interval=interval, message=message)


def now() -> float:
    return time.monotonic()
