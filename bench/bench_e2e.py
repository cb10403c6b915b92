"""End-to-end figure: signed applications per second from submit (the signer's HTTP POST of the
signature to intake) to "received in a bureau queue" (the review service's case row, i.e. its
application.received), with every service as real processes (gunicorn web fronts, consumer
processes) on RabbitMQ and PostgreSQL; then the p50/p99 submit latency at half that rate; then the
resident memory of each service process.

    .venv/bin/python bench/bench_e2e.py [--applications 1000] [--profile] [--intake-workers 4] [--rate 15]

Not timed: registering three applicants and preparing every application (draft, photo, signing
request, the signer fetching the bytes, the simulated card signing them). Timed: the submit itself
and everything behind it. The load comes from a second process (this script re-run with --load),
open-loop for the latency run (latency counted from the scheduled send time).
Prints `name: value unit` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "chaos"))  # run as a file: chaos's cluster and applicants


# -- the load process ------------------------------------------------------------------------------
async def _post_all(base: str, jobs: list, rate: float | None, concurrency: int) -> list:
    import aiohttp

    results = []
    sem = asyncio.Semaphore(concurrency)
    conn = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as http:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def one(i, job):
            scheduled = start + i / rate if rate else None
            if scheduled is not None:
                await asyncio.sleep(max(0.0, scheduled - loop.time()))
            async with sem:
                sent = loop.time()
                async with http.post(
                    f"{base}/api/v1/signing-requests/{job['code']}/signature",
                    json={"signature_b64": job["sig"]},
                    headers={"X-Zairyu-Api": "1", "X-Forwarded-For": job["address"]},
                ) as r:
                    body = await r.json(content_type=None)
                done = loop.time()
            # open loop: a request that had to queue in the client counts its wait too
            results.append(
                {
                    "status": r.status,
                    "app": body.get("application_id"),
                    "latency": done - (scheduled if scheduled is not None else sent),
                    "done": done - start,
                }
            )

        await asyncio.gather(*(one(i, j) for i, j in enumerate(jobs)))
    return results


def load_main(args) -> int:
    jobs = json.loads(Path(args.jobs).read_text())
    started = time.time()
    results = asyncio.run(_post_all(args.base, jobs, args.rate, args.concurrency))
    Path(args.out).write_text(json.dumps({"started": started, "results": results}))
    return 0


def run_load(base: str, jobs: list, workdir: Path, rate: float | None, concurrency: int) -> dict:
    jobs_file, out_file = workdir / f"jobs-{rate}.json", workdir / f"results-{rate}.json"
    jobs_file.write_text(json.dumps(jobs))
    cmd = [
        sys.executable,
        __file__,
        "--load",
        "--base",
        base,
        "--jobs",
        str(jobs_file),
        "--out",
        str(out_file),
        "--concurrency",
        str(concurrency),
    ]
    if rate:
        cmd += ["--rate", str(rate)]
    subprocess.run(cmd, check=True)
    return json.loads(out_file.read_text())


# -- the bench -----------------------------------------------------------------------------------
def prepare(cluster, count: int, first_address: int) -> list:
    from applicants import Intake, address_of, photo_jpeg

    intake = Intake(cluster.url("intake"))
    if not hasattr(cluster, "applicants"):
        cluster.applicants = [
            intake.register(cluster.pki, h, f"bench{i}@example.jp", cluster.mail, address_of(60000 + i))
            for i, h in enumerate(cluster.pki.holders_of_kind("valid"))
        ]
    photo = photo_jpeg()

    def one(i):
        who = cluster.applicants[i % len(cluster.applicants)]
        address = address_of(first_address + i)
        code, content = intake.prepare(who, photo, address)
        return {"code": code, "sig": base64.b64encode(who.card.sign(content)).decode(), "address": address}

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def _profiler(cluster, workdir: Path) -> list:
    """py-spy (if installed) sampling the busy service processes while they hold the GIL (their
    Python CPU time, not their waiting) during the throughput run."""
    import shutil

    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("# --profile needs py-spy (pip install py-spy): no profile taken")
        return []
    spies = []
    for name in ("intake-web", "intake-consume", "signing-consume", "review-consume", "notify-consume"):
        out = workdir / f"profile-{name}.txt"
        spies.append(
            (
                name,
                out,
                subprocess.Popen(
                    [
                        exe,
                        "record",
                        "--format",
                        "raw",
                        "--nonblocking",
                        "--subprocesses",
                        "--gil",
                        "--rate",
                        "50",
                        "-o",
                        str(out),
                        "--pid",
                        str(cluster.procs[name].popen.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    return spies


OWN = ("intake/", "signing/", "review/", "notify/", "card_delivery/", "zairyu_shared/")


def _report_profile(spies: list, top: int = 10) -> None:
    """Per process: busy samples, our own functions most often on the stack (inclusive share),
    and the leaf functions (self share) — where the time goes."""
    import re
    import signal
    from collections import Counter

    def label(frame: str) -> str:
        m = re.match(r"(.*) \((.*?):\d+\)$", frame)
        return f"{m.group(1)} ({m.group(2).rsplit('/', 1)[-1]})" if m else frame

    for name, out, proc in spies:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        if not out.exists():
            continue
        own, leaf, total = Counter(), Counter(), 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            total += n
            leaf[label(frames[-1])] += n
            for frame in {label(f) for f in frames if f.rpartition(" (")[2].startswith(OWN)}:
                own[frame] += n
        print(f"# profile {name}: {total} busy samples at 50/s")
        for frame, n in own.most_common(top):
            print(f"#   {100 * n / max(total, 1):5.1f}% incl  {frame}")
        for frame, n in leaf.most_common(6):
            print(f"#   {100 * n / max(total, 1):5.1f}% self  {frame}")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (and its reaped children), from /proc."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _cpu_snapshot(cluster, review_engine) -> dict:
    """CPU seconds so far of every service process, of the PostgreSQL backends serving the bench's
    databases, and of RabbitMQ."""
    out = {name: sum(_cpu_seconds(p) for p in proc.pids()) for name, proc in cluster.procs.items()}
    names = [url.rsplit("/", 1)[1].split("?")[0] for url in cluster.databases.values()]
    out.update(infrastructure_cpu(review_engine, names))
    return out


def infrastructure_cpu(engine, database_names: list) -> dict:
    """CPU seconds so far of the PostgreSQL backends serving these databases (asked through
    ``engine``) and of RabbitMQ (its whole VM: other vhosts' traffic counts too). The benches run on a vhost of
    the machine's broker: its VM is asked for its own pid, because other beam.smp processes (a test's RabbitMQ
    cluster started or stopped meanwhile) made the difference of a `pgrep beam.smp` sum negative."""
    import sqlalchemy as sa

    with engine.connect() as c:
        pids = (
            c.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:n)"), {"n": database_names})
            .scalars()
            .all()
        )
    beam = subprocess.run(
        ["rabbitmqctl", "eval", "os:getpid()."], capture_output=True, text=True, check=True
    ).stdout.split()[-1]  # "2973", quoted
    return {
        "postgresql-backends": sum(_cpu_seconds(p) for p in pids),
        "rabbitmq": _cpu_seconds(int(beam.strip('"'))),
    }


def _report_cpu(before: dict, after: dict, applications: int) -> None:
    """Where the CPU goes: milliseconds of CPU per application, per process (2 cores = 2,000 ms/s)."""
    total = 0.0
    for name in sorted(after, key=lambda n: -(after[n] - before.get(n, 0.0))):
        ms = 1000 * (after[name] - before.get(name, 0.0)) / max(applications, 1)
        total += ms
        if ms >= 0.05:
            print(f"cpu_per_application_{name.replace('-', '_')}: {ms:.2f} ms")
    print(f"cpu_per_application_total: {total:.2f} ms")


def _event_counts(cluster) -> tuple[float, float]:
    """(events published, deliveries consumed) so far, summed over every consumer process's /metrics
    (the relays run there; the web fronts only stage events in their outboxes)."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    published = consumed = 0.0
    for name, proc in cluster.procs.items():
        if not name.endswith("-consume"):
            continue
        text = urllib.request.urlopen(proc.health.replace("/healthz", "/metrics"), timeout=10).read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "zairyu_events_published_total":
                    published += sample.value
                elif sample.name == "zairyu_events_consumed_total":
                    consumed += sample.value
    return published, consumed


def _settled_event_counts(cluster) -> tuple[float, float]:
    """The counts once every consumer has caught up."""
    return settled(lambda: _event_counts(cluster))


def settled(read, quiet: float = 2.0):
    """``read()`` once its value has stopped changing for ``quiet`` seconds (everything caught up)."""
    last, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < quiet:
        time.sleep(0.25)
        now = read()
        if now != last:
            last, stable_since = now, time.monotonic()
    return last


def received_count(engine) -> int:
    import sqlalchemy as sa

    with engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM cases")).scalar()


def _received(cluster, review) -> int:
    """Cases received so far; raises at once, with the end of its log, when a service process has died (a consumer
    that could not bind its port once left this bench waiting its whole ten minutes for cases that never came)."""
    cluster.check_alive()
    return received_count(review)


def percentile(values: list, p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench_main(args) -> int:
    import sqlalchemy as sa
    from cluster import rss_mb, running_system

    from zairyu_shared.testing import wait_until

    workdir = Path(tempfile.mkdtemp(prefix="zairyu-bench-e2e-"))
    print(f"# work directory (logs, profiles): {workdir}")
    # every prepared application is an open draft until submitted, and intake holds an account to
    # MAX_OPEN_DRAFTS of them (issue 15): the test PKI gets as many valid holders (one account each) as that needs
    from intake.application.draft_limits import MAX_OPEN_DRAFTS
    from signing.testpki.build import HOLDERS

    accounts = -(-args.applications // MAX_OPEN_DRAFTS)
    more = max(0, accounts - sum(kind == "valid" for _, kind, _ in HOLDERS))  # beyond the fixed valid holders
    with running_system(workdir, web_workers={"intake": args.intake_workers}, more_valid_holders=more) as cluster:
        review = sa.create_engine(cluster.databases["review"])
        room = MAX_OPEN_DRAFTS * len(cluster.pki.holders_of_kind("valid"))
        if args.applications > room:
            print(
                f"# {args.applications} applications asked, {room} prepared: at most {MAX_OPEN_DRAFTS} open "
                "drafts an account and one account per test applicant"
            )
        jobs = prepare(cluster, min(args.applications, room), 1)
        base = received_count(review)
        spy = _profiler(cluster, workdir) if args.profile else None
        events_before = _settled_event_counts(cluster)  # what preparing the drafts caused is done
        cpu_before = _cpu_snapshot(cluster, review)
        load = run_load(cluster.url("intake"), jobs, workdir, args.rate, args.concurrency)
        accepted = [r for r in load["results"] if r["status"] == 200 and r["app"]]
        wait_until(
            lambda: _received(cluster, review) - base >= len(accepted),
            timeout=600,
            interval=0.05,
            message="every accepted application received by review",
        )
        elapsed = time.time() - load["started"]
        # CPU and events counted once the rest (e-mails, timelines) has caught up too: all of an
        # application's cost, not only the part before "received".
        events_after = _settled_event_counts(cluster)
        cpu_after = _cpu_snapshot(cluster, review)
        rate = len(accepted) / elapsed
        submit_rate = len(accepted) / max(r["done"] for r in load["results"])
        print(f"e2e_applications_submitted: {len(jobs)} applications")
        print(f"e2e_applications_accepted: {len(accepted)} applications")
        print(f"e2e_submit_to_received_rate: {rate:.0f} applications/s")
        print(f"e2e_submit_only_rate: {submit_rate:.0f} applications/s")
        print(f"e2e_submit_to_received_seconds: {elapsed:.1f} s")
        _report_cpu(cpu_before, cpu_after, len(accepted))
        published = (events_after[0] - events_before[0]) / max(len(accepted), 1)
        deliveries = (events_after[1] - events_before[1]) / max(len(accepted), 1)
        print(f"events_published_per_application: {published:.1f} events")
        print(f"deliveries_consumed_per_application: {deliveries:.1f} deliveries")
        if spy:
            _report_profile(spy)

        half = max(1.0, rate / 2)
        n_latency = min(room, max(50, min(args.applications, int(half * args.latency_seconds))))
        jobs = prepare(cluster, n_latency, 100000)
        base = received_count(review)
        load = run_load(cluster.url("intake"), jobs, workdir, half, args.concurrency)
        ok = [r["latency"] * 1000 for r in load["results"] if r["status"] == 200]
        wait_until(
            lambda: _received(cluster, review) - base >= len(ok),
            timeout=600,
            interval=0.05,
            message="latency run received",
        )
        print(f"e2e_latency_rate: {half:.0f} applications/s")
        print(f"e2e_latency_submissions: {len(ok)} applications")
        print(f"e2e_submit_latency_p50: {percentile(ok, 50):.1f} ms")
        print(f"e2e_submit_latency_p99: {percentile(ok, 99):.1f} ms")

        for name, proc in sorted(cluster.procs.items()):
            pids = proc.pids()
            if not pids:
                continue
            sizes = [rss_mb(p) for p in pids]
            metric = name.replace("-", "_")
            if len(pids) > 1:  # gunicorn: the master and its workers
                print(f"rss_{metric}_master: {sizes[0]:.0f} MB")
                print(f"rss_{metric}_worker_max: {max(sizes[1:]):.0f} MB")
            else:
                print(f"rss_{metric}: {sizes[0]:.0f} MB")
        review.dispose()
    return 0


def main(argv=None) -> int:
    from zairyu_shared.testing import bench_size

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base")
    parser.add_argument("--jobs")
    parser.add_argument("--out")
    parser.add_argument(
        "--rate",
        type=float,
        help="applications/s offered in the throughput run (default: as fast as the system takes them); CPU per "
        "application depends on the rate (consumers batch more at a higher one), so compare trees at one rate",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections of the load process")
    parser.add_argument(
        "--applications", type=int, default=bench_size(1000, 30), help="applications in the throughput run"
    )
    parser.add_argument("--latency-seconds", type=float, default=bench_size(6.0, 1.0), help="length of the latency run")
    parser.add_argument("--profile", action="store_true", help="py-spy the busy processes during the throughput run")
    parser.add_argument("--intake-workers", type=int, default=4, help="gunicorn workers of intake's front")
    args = parser.parse_args(argv)
    return load_main(args) if args.load else bench_main(args)


if __name__ == "__main__":
    sys.exit(main())
