"""`make chaos`: submit N signed applications to the system running as real processes while
RabbitMQ is restarted twice and every consumer process is SIGKILLed once and restarted (optionally
PostgreSQL restarted in the middle of the burst), then prove nothing was lost or done twice.

    .venv/bin/python tests/chaos/chaos.py 2000 [--restart-postgres] [--workdir DIR]

Every tenth application is signed on purpose with another applicant's card: signing rejects it
(holder mismatch), so its one expected state is `signature_rejected`; all others must be received
in a bureau's queue with exactly one receipt number. Prints `name: value unit` counts and exits 1
if any check fails.

--restart-postgres restarts the machine's PostgreSQL cluster (`pg_ctlcluster 15 main restart -m fast`):
it breaks every other test running on this machine, so it is never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path

import sqlalchemy as sa
from applicants import Intake, address_of, photo_jpeg
from cluster import running_system, settle

from notify.settings import NotifySettings

CONSUMERS = ("signing", "review", "notify", "card-delivery", "intake")
REJECT_EVERY = 10  # every tenth application is signed with a stranger's card


@dataclass
class Ledger:
    """What the client was told: accepted submissions and the state each one must end in."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    expected: dict = field(default_factory=dict)  # application_id -> "received" | "signature_rejected"
    refused: list = field(default_factory=list)  # submissions the front did not accept (never counted as lost)
    submitted: int = 0

    def accept(self, app_id: str, state: str) -> None:
        with self.lock:
            assert app_id not in self.expected, f"application id {app_id} given twice"
            self.expected[app_id] = state
            self.submitted += 1

    def refuse(self, what: str) -> None:
        with self.lock:
            self.refused.append(what)
            self.submitted += 1


# Faults that can cut a sender between the relay's 250 and its commit: the notify consumer's SIGKILL and a
# PostgreSQL restart that outlasts the sender's hold on its outcome (half the claim lease). Each of the
# consume process's sender threads (ZAIRYU_NOTIFY_SENDER_THREADS, own SMTP connection each) has at most one
# mail in that window, so one fault can cost one resend per thread.
SENDER_THREADS = next(f.default for f in fields(NotifySettings) if f.name == "sender_threads")
MAX_SEND_WINDOW_RESENDS = 2 * SENDER_THREADS


def rabbit_restart(broker=None) -> None:
    """Restart the broker application (not the Erlang VM, not its configuration): the machine's, or each node
    of `broker` (a started rabbit_cluster.RabbitCluster, e.g. one node of the test's own)."""
    if broker is not None:
        for node in broker.running():
            broker.ctl("stop_app", node=node, timeout=120)
            broker.ctl("start_app", node=node, timeout=300)
            broker.ctl("await_startup", node=node, timeout=300)
        return
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True, timeout=300)
    subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, capture_output=True, timeout=300)


def others_testing() -> list[str]:
    """Test runs of other people on this machine (a PostgreSQL restart would break them)."""
    found = subprocess.run(["pgrep", "-fa", "pytest"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in found if int(line.split()[0]) != os.getpid()]


def postgres_restart(wait: float = 90) -> None:
    """Restart the PostgreSQL cluster, but only in a moment when nobody else's tests are running."""
    deadline = time.monotonic() + wait
    while others_testing():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not restarted: other test runs are going on: {others_testing()[:3]}")
        time.sleep(1)
    # fast: in-flight transactions are aborted and connections cut, as in a crash or failover (the default
    # "smart" mode politely waits for every client to leave, which tests nothing)
    subprocess.run(
        ["pg_ctlcluster", "15", "main", "restart", "-m", "fast"], check=True, capture_output=True, timeout=300
    )


def fault_plan(n: int, restart_postgres: bool, broker=None) -> list:
    """(submitted count at which it happens, label, action on the cluster); `broker`: the RabbitMQ restarted,
    the machine's when None."""
    plan = [
        (0.10, "kill signing-consume", lambda c: _kill_restart(c, "signing-consume")),
        (0.20, "restart rabbitmq (1)", lambda c: rabbit_restart(broker)),
        (0.30, "kill review-consume", lambda c: _kill_restart(c, "review-consume")),
        (0.40, "kill notify-consume", lambda c: _kill_restart(c, "notify-consume")),
        (0.60, "restart rabbitmq (2)", lambda c: rabbit_restart(broker)),
        (0.70, "kill intake-consume", lambda c: _kill_restart(c, "intake-consume")),
        (0.80, "kill card-delivery-consume", lambda c: _kill_restart(c, "card-delivery-consume")),
    ]
    if restart_postgres:
        plan.append((0.50, "restart postgresql", lambda c: postgres_restart()))
    return sorted(((max(1, int(f * n)), label, act) for f, label, act in plan), key=lambda p: p[0])


def _kill_restart(cluster, name: str) -> None:
    cluster.kill(name)
    cluster.restart(name, timeout=120)


def cluster_fault_plan(n: int, broker) -> list:
    """On a 3-node RabbitMQ cluster: SIGKILL the node leading most of the work queues, bring it back, then
    SIGKILL another node and bring that back. Quorum queues keep a majority (2 of 3) through each loss."""
    lost: list = []

    def kill_busiest(c):
        node = broker.leader_of_busiest(work_queues(broker))
        lost.append(node)
        broker.kill(node)
        out_fault(f"killed {node.name} (leader of the busiest queues)")

    def kill_another(c):
        node = next(x for x in broker.running() if x not in lost)
        lost.append(node)
        broker.kill(node)
        out_fault(f"killed {node.name}")

    def restart_last(c):
        broker.start_node(lost[-1])

    plan = [
        (0.20, "kill the busiest queues' leader node", kill_busiest),
        (0.40, "restart it", restart_last),
        (0.60, "kill another node", kill_another),
        (0.80, "restart it", restart_last),
    ]
    return [(max(1, int(f * n)), label, act) for f, label, act in plan]


_fault_notes: list[str] = []


def out_fault(line: str) -> None:
    _fault_notes.append(line)


def work_queues(broker) -> list[str]:
    """The queues an application passes through (not dead-letter queues)."""
    return [q for q in broker.queues() if not q.endswith((".dlq", ".dlx"))]


class DeliveryWatch:
    """The longest time with work outstanding and no application newly received in a bureau's queue."""

    def __init__(self, review_db: str, ledger: Ledger):
        self.engine = _engine(review_db)
        self.ledger = ledger
        self.longest = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        last_count, last_change = -1, time.monotonic()
        while not self.stop.is_set():
            try:
                with self.engine.connect() as c:
                    count = c.execute(sa.text("SELECT count(*) FROM cases")).scalar()
            except Exception:  # the database restarting is not a pause in deliveries
                count = last_count
            now = time.monotonic()
            expected = sum(1 for w in list(self.ledger.expected.values()) if w == "received")
            if count != last_count or count >= expected:
                last_count, last_change = count, now
            self.longest = max(self.longest, now - last_change)
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        self.engine.dispose()


def run(
    n: int,
    workdir: Path,
    restart_postgres: bool = False,
    threads: int = 6,
    out=print,
    broker=None,
    plan_for=None,
    database_urls: dict | None = None,
    settle_timeout: float | None = None,
) -> dict:
    """The scenario; with `broker` (a started rabbit_cluster.RabbitCluster) the faults are node losses of
    that cluster instead of the machine broker's restarts and the consumers' SIGKILLs."""
    ledger = Ledger()
    photo = photo_jpeg()
    _fault_notes.clear()
    with running_system(workdir, broker=broker, database_urls=database_urls) as cluster:
        intake = Intake(cluster.url("intake"))
        holders = cluster.pki.holders_of_kind("valid")
        applicants = [
            intake.register(cluster.pki, h, f"chaos{i}@example.jp", cluster.mail, address_of(60000 + i))
            for i, h in enumerate(holders)
        ]
        out(f"chaos_applicants_registered: {len(applicants)} applicants")
        if broker is not None and len(broker.nodes) > 1:
            replicas = {q: len(broker.members(q)) for q in work_queues(broker)}
            out(f"# quorum queues and their replicas: {replicas}")
            if not replicas or min(replicas.values()) < len(broker.nodes):
                raise RuntimeError(f"queues not replicated on every node: {replicas}")
        if plan_for is not None:
            plan = plan_for(n)
        elif broker is not None:
            plan = cluster_fault_plan(n, broker)
        else:
            plan = fault_plan(n, restart_postgres)
        watch = DeliveryWatch(cluster.databases["review"], ledger).__enter__()
        faults_done: list[str] = []
        fault_errors: list[str] = []

        def faults():
            for at, label, act in plan:
                while ledger.submitted < at and not stop.is_set():
                    time.sleep(0.05)
                if stop.is_set():
                    return
                t0 = time.monotonic()
                try:
                    act(cluster)
                    faults_done.append(f"{label} ({time.monotonic() - t0:.1f} s)")
                except Exception as exc:  # the scenario reports it; it does not hide it
                    fault_errors.append(f"{label}: {exc!r}")

        def one(i: int):
            owner = applicants[i % len(applicants)]
            rejected = i % REJECT_EVERY == REJECT_EVERY - 1
            signer = applicants[(i + 1) % len(applicants)].card if rejected else owner.card
            address = address_of(i + 1)
            try:
                code, content = intake.prepare(owner, photo, address, retries=30)
                r = intake.post_signature(owner.session, code, _b64(signer.sign(content)), address, retries=30)
            except Exception as exc:  # e.g. the front down for longer than the retries
                ledger.refuse(f"#{i}: {exc!r}")
                return
            if r.status_code == 200 and r.json().get("application_id"):
                ledger.accept(r.json()["application_id"], "signature_rejected" if rejected else "received")
            else:
                ledger.refuse(f"#{i}: {r.status_code} {r.text[:200]}")

        stop = threading.Event()
        fault_thread = threading.Thread(target=faults, daemon=True)
        fault_thread.start()
        t0 = time.monotonic()
        try:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(one, range(n)))
        finally:
            fault_thread.join(600)
            stop.set()
        out(f"chaos_submit_seconds: {time.monotonic() - t0:.1f} s")
        for f in faults_done + _fault_notes:
            out(f"# fault: {f}")
        for f in fault_errors:
            out(f"# FAULT FAILED: {f}")
        cluster.check_alive()
        try:
            result = settle_and_check(
                cluster,
                ledger,
                len(applicants),
                out=out,
                timeout=settle_timeout if settle_timeout is not None else max(180, n * 0.3),
            )
        finally:
            watch.__exit__(None, None, None)
        out(f"longest_delivery_pause: {watch.longest:.1f} s")
        result["longest_pause"] = watch.longest
        result["fault_errors"] = fault_errors
        result["faults_done"] = len(faults_done)
        result["faults_planned"] = len(plan)
        return result


def _b64(der: bytes) -> str:
    import base64

    return base64.b64encode(der).decode()


def _engine(url: str):
    return sa.create_engine(url, pool_pre_ping=True)


def settle_and_check(cluster, ledger: Ledger, registrations: int, timeout: float, out=print) -> dict:
    engines = {s: _engine(u) for s, u in cluster.databases.items()}
    expected_ids = set(ledger.expected)
    expected_mails = registrations + 2 * len(expected_ids)  # verification; submitted + received/rejected

    def intake_states() -> dict:
        with engines["intake"].connect() as c:
            return {
                r.id: (r.status, r.receipt_number)
                for r in c.execute(sa.text("SELECT id, status, receipt_number FROM applications"))
            }

    def unsent() -> dict:
        counts = {}
        for s, e in engines.items():
            with e.connect() as c:
                counts[s] = c.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
        return counts

    def done():
        states = intake_states()
        final = sum(1 for a, want in ledger.expected.items() if states.get(a, ("",))[0] == want)
        return (
            final == len(expected_ids) and not any(unsent().values()) and len(cluster.mail.snapshot()) >= expected_mails
        )

    t0 = time.monotonic()
    try:
        settle(done, timeout=timeout, message="every application in its final state, outboxes drained, mails out")
        settled = True
    except AssertionError:
        settled = False
    out(f"chaos_settle_seconds: {time.monotonic() - t0:.1f} s")

    states = intake_states()
    with engines["review"].connect() as c:
        cases = {
            r.application_id: r.receipt_number
            for r in c.execute(sa.text("SELECT application_id, receipt_number FROM cases"))
        }
    with engines["notify"].connect() as c:
        notice_states = dict(
            c.execute(sa.text("SELECT state, count(*) FROM notices WHERE channel = 'email' GROUP BY state")).all()
        )
    received = [
        a
        for a, want in ledger.expected.items()
        if want == "received"
        and states.get(a, ("",))[0] == "received"
        and states[a][1]
        and cases.get(a) == states[a][1]
    ]
    rejected = [
        a
        for a, want in ledger.expected.items()
        if want == "signature_rejected" and states.get(a, ("",))[0] == "signature_rejected" and a not in cases
    ]
    wrong = {a: (want, states.get(a)) for a, want in ledger.expected.items() if a not in set(received) | set(rejected)}
    # accepted (the applicant was given an id) and then gone from intake's database: what a failover can lose
    lost = sorted(a for a in expected_ids if a not in states)
    unknown = sorted(set(states) - expected_ids)  # an application the client was never told about
    stray_cases = sorted(set(cases) - expected_ids)
    ids = cluster.mail.message_ids()
    # SMTP has no idempotency: a sender killed between the relay's 250 and its 'sent' commit leaves the claim
    # in 'sending'; once the lease expires another sender takes it over (logged) and sends it again, with the
    # same Message-ID. Such resends are counted apart; any other repeat is a real duplicate.
    taken_over = claims_taken_over(cluster.log_dir)
    duplicates, resent = repeats(ids, taken_over)
    dlq = dlq_counts(cluster)
    outbox = unsent()
    result = {
        "submitted": ledger.submitted,
        "accepted": len(expected_ids),
        "refused": len(ledger.refused),
        "received": len(received),
        "rejected": len(rejected),
        "lost": len(lost),
        "expected_rejected": sum(1 for w in ledger.expected.values() if w == "signature_rejected"),
        "wrong": wrong,
        "unknown": unknown,
        "stray_cases": stray_cases,
        "duplicate_notices": duplicates,
        "resent_after_crash": resent,
        "claims_taken_over": len(taken_over),
        "mails": sum(ids.values()),
        "expected_mails": expected_mails,
        "dlq": dlq,
        "outbox": outbox,
        "settled": settled,
        "notice_states": notice_states,
    }
    out(f"chaos_applications_submitted: {ledger.submitted} applications")
    out(f"chaos_applications_accepted: {len(expected_ids)} applications")
    out(f"chaos_applications_refused_at_submit: {len(ledger.refused)} applications")
    out(f"chaos_applications_received: {len(received)} applications")
    out(f"chaos_applications_rejected: {len(rejected)} applications")
    out(f"chaos_applications_lost: {len(lost)} applications")
    out(f"chaos_applications_wrong_state: {len(wrong)} applications")
    out(f"chaos_applications_unknown: {len(unknown) + len(stray_cases)} applications")
    out(f"chaos_mails: {sum(ids.values())} mails (expected {expected_mails})")
    out(f"duplicate_notices: {duplicates} notices")
    out(
        f"resent_after_a_crash_in_the_send_window: {resent} mails (same Message-ID; {len(taken_over)} claims taken over)"
    )
    out(f"dlq_messages: {sum(dlq.values())} messages")
    out(f"outbox_unsent: {sum(outbox.values())} rows")
    out(f"# notify e-mail notices by state: {notice_states}")
    for what in ledger.refused[:5]:
        out(f"# refused: {what}")
    for a, v in list(wrong.items())[:5]:
        out(f"# wrong: {a} {v}")
    for q, n in dlq.items():
        if n:
            out(f"# dlq {q}: {n}")
    for e in engines.values():
        e.dispose()
    return result


def claims_taken_over(log_dir: Path) -> set[str]:
    """Notices whose expired 'sending' claim a sender took over (notify's own warning, in its logs)."""
    import json

    ids = set()
    for path in log_dir.glob("notify-*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if "taking over an expired claim" in line:
                try:
                    ids.add(json.loads(line)["notice_id"])
                except (ValueError, KeyError):
                    continue
    return ids


def repeats(message_ids, taken_over: set[str]) -> tuple[int, int]:
    """(real duplicates, resends of notices whose claim was taken over after a crash) among the mails."""
    from notify.domain.delivery import notice_id_from_message_id

    resent = sum(n - 1 for mid, n in message_ids.items() if n > 1 and notice_id_from_message_id(mid) in taken_over)
    return sum(n - 1 for n in message_ids.values() if n > 1) - resent, resent


def dlq_counts(cluster) -> dict:
    """Messages in every `<queue>.dlq` of the vhost (passive declare: never creates one)."""
    import pika

    if cluster.list_queues is not None:
        listed = cluster.list_queues()
    else:
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", cluster.vhost, "name", "--no-table-headers"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
    queues = sorted(q for q in listed if not q.endswith((".dlq", ".dlx")) and q + ".dlq" in listed)
    params = pika.URLParameters(_first_reachable(cluster.amqp_url))
    counts = {}
    with pika.BlockingConnection(params) as conn:
        ch = conn.channel()
        for q in queues:
            counts[q + ".dlq"] = ch.queue_declare(q + ".dlq", passive=True).method.message_count
    return counts


def _first_reachable(amqp_url: str) -> str:
    """One address of a `;`-separated failover list whose broker answers (pika takes one URL)."""
    import socket
    from urllib.parse import urlsplit

    for url in amqp_url.split(";"):
        parts = urlsplit(url)
        try:
            with socket.create_connection((parts.hostname, parts.port or 5672), timeout=2):
                return url
        except OSError:
            continue
    return amqp_url.split(";")[0]


def failures(result: dict) -> list[str]:
    problems = []
    if not result["settled"]:
        problems.append("the system did not settle within the deadline")
    if result["refused"]:
        problems.append(f"{result['refused']} submissions refused by the front (see '# refused' lines)")
    if result["wrong"]:
        problems.append(f"{len(result['wrong'])} accepted applications not in their one expected state")
    if result["unknown"] or result["stray_cases"]:
        problems.append(f"applications nobody submitted: {result['unknown'][:3]} {result['stray_cases'][:3]}")
    if result["duplicate_notices"]:
        problems.append(f"{result['duplicate_notices']} notices sent twice")
    if result["resent_after_crash"] > MAX_SEND_WINDOW_RESENDS:
        problems.append(f"{result['resent_after_crash']} mails resent after a crash: more than the faults explain")
    if result["mails"] != result["expected_mails"] + result["resent_after_crash"]:
        problems.append(f"{result['mails']} mails, expected {result['expected_mails']}")
    if any(result["dlq"].values()):
        problems.append(f"dead letters: {result['dlq']}")
    if any(result["outbox"].values()):
        problems.append(f"outbox rows unsent: {result['outbox']}")
    if result["fault_errors"] or result["faults_done"] != result["faults_planned"]:
        problems.append(f"faults not all injected: {result['fault_errors']}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, nargs="?", default=2000, help="applications to submit")
    parser.add_argument(
        "--restart-postgres",
        action="store_true",
        help="also restart PostgreSQL mid-burst (breaks other tests on a shared machine)",
    )
    parser.add_argument("--workdir", help="keep logs and files here (default: a temporary folder)")
    parser.add_argument("--threads", type=int, default=6, help="concurrent applicants' clients")
    parser.add_argument(
        "--rabbit-cluster",
        action="store_true",
        help="run on a 3-node RabbitMQ cluster of our own (own nodes, ports and folders; the "
        "machine's broker is left alone) and kill its nodes instead",
    )
    args = parser.parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="zairyu-chaos-"))
    say = lambda line: print(line, flush=True)  # noqa: E731
    if args.rabbit_cluster:
        from rabbit_cluster import rabbit_cluster

        with rabbit_cluster(workdir) as broker:
            say(f"# RabbitMQ cluster: {', '.join(n.name for n in broker.nodes)}")
            result = run(args.size, workdir, threads=args.threads, out=say, broker=broker)
    else:
        result = run(args.size, workdir, restart_postgres=args.restart_postgres, threads=args.threads, out=say)
    problems = failures(result)
    for p in problems:
        print(f"# FAIL: {p}")
    print(f"# logs: {workdir / 'logs'}")
    if not problems and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
