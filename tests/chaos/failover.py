"""`make chaos-failover`: the chaos workload with intake's database on a PostgreSQL primary and a streaming
standby of our own (tests/chaos/pg_pair.py); mid-burst the primary is SIGKILLed and the standby promoted, and
intake, given both servers in one URL with `target_session_attrs=read-write`, carries on against it.

Run twice, side by side: asynchronous replication (a commit is acknowledged before the standby has it: what
the primary had not yet shipped is gone, including applications whose applicant was already given an id)
and synchronous replication (a commit waits for the standby: nothing acknowledged is lost).

    .venv/bin/python tests/chaos/failover.py 2000 [--only sync|async] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import chaos
import sqlalchemy as sa
from pg_pair import pg_pair

KILL_AT = 0.4  # of the submissions
STALL = 2.0  # seconds the standby receives nothing before the primary is lost


def run_failover(n: int, workdir: Path, synchronous: bool, out=print, threads: int = 6) -> dict:
    mode = "sync" if synchronous else "async"
    with pg_pair(workdir, synchronous=synchronous) as pair:
        admin = sa.create_engine(pair.admin_url(pair.primary), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as c:
            c.execute(sa.text("CREATE DATABASE zt_failover_intake"))
        admin.dispose()
        seen: dict = {}

        def plan_for(size: int) -> list:
            def fail(_cluster) -> None:
                # The standby falls behind first (the primary's WAL sender stalled for STALL seconds, as behind a
                # slow or partitioned network), then the primary dies: what the standby never received is what an
                # asynchronous pair loses; a synchronous primary acknowledges nothing the standby lacks.
                sender = pair.walsender_pid()
                os.kill(sender, signal.SIGSTOP)
                try:
                    time.sleep(STALL)
                    seen["lag_bytes"] = pair.replay_lag_bytes()
                    t0 = time.monotonic()
                    pair.primary.kill()  # the stopped sender dies with it (SIGKILL needs no SIGCONT)
                finally:
                    try:
                        os.kill(sender, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                time.sleep(1.0)  # what a failover manager takes at least to be sure the primary is gone
                pair.promote()
                seen["failover_seconds"] = time.monotonic() - t0
                chaos.out_fault(
                    f"[{mode}] primary's WAL sender stalled {STALL:.0f} s, then the primary SIGKILLed "
                    f"{seen['lag_bytes']} WAL bytes ahead of the standby; standby promoted after "
                    f"{seen['failover_seconds']:.1f} s"
                )

            return [(max(1, int(KILL_AT * size)), "kill the primary, promote the standby", fail)]

        result = chaos.run(
            n,
            workdir / mode,
            threads=threads,
            out=out,
            plan_for=plan_for,
            database_urls={"intake": pair.url("zt_failover_intake")},
            settle_timeout=max(120, n * 0.15),
        )
    result.update(mode=mode, **seen)
    out(f"failover_{mode}_acknowledged_then_lost: {result['lost']} applications")
    out(f"failover_{mode}_wal_behind_at_kill: {seen.get('lag_bytes', -1)} bytes")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, nargs="?", default=2000)
    parser.add_argument("--only", choices=("sync", "async"))
    parser.add_argument("--workdir")
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="zairyu-failover-"))
    say = lambda line: print(line, flush=True)  # noqa: E731
    modes = [args.only == "sync"] if args.only else [False, True]
    results = {}
    for synchronous in modes:
        results["sync" if synchronous else "async"] = run_failover(
            args.size, workdir, synchronous, out=say, threads=args.threads
        )
    print("# side by side: mode | accepted | lost after failover | refused at submit | duplicates | dead letters")
    for mode, r in results.items():
        print(
            f"# {mode:5} | {r['accepted']} | {r['lost']} | {r['refused']} | {r['duplicate_notices']} | "
            f"{sum(r['dlq'].values())}"
        )
    sync = results.get("sync")
    return 1 if sync is not None and (sync["lost"] or chaos.failures(sync)) else 0


if __name__ == "__main__":
    sys.exit(main())
