"""`make restore-drill`: back up every service's database, keep working, restore review to the backup,
and show the system comes back consistent.

    .venv/bin/python tests/chaos/restore_drill.py [BEFORE] [AFTER] [--workdir DIR]

1. The whole system runs as real processes (tests/chaos/cluster.py); BEFORE signed applications go
   through it (received, receipt numbers e-mailed).
2. Backup: `pg_dump --format=custom` of each service's database. Production backs up with CloudNativePG
   (barman base backups + WAL archive, deploy/k8s/overlays/prod/backups.yaml), which restores to any
   moment; a pg_dump is one such moment, which is what a restore drill needs.
3. AFTER more applications go through (review issues their numbers; notify mails them).
4. Review is lost and restored to the backup: its processes stop, its database is dropped and restored
   from the dump, `zairyu-review migrate` (also re-applies erasures), then
   `zairyu-intake receipts-seen | zairyu-review reserve-receipts` (numbers already e-mailed are never
   issued again; a replayed application gets its own back), review starts, and every other service
   runs `republish --since <backup time - margin>`: the restored inbox takes what it lacks, the other
   inboxes drop the duplicates.
5. Checks: every application is a case again with the same receipt number intake recorded; no mail was
   sent twice; AFTER2 new applications get numbers nobody has seen. Prints `name: value unit` figures,
   exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from applicants import Intake, address_of, photo_jpeg
from cluster import BIN, SERVICES, running_system

from zairyu_shared import testing

RESTORED = "review"


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _b64(der: bytes) -> str:
    import base64

    return base64.b64encode(der).decode()


def submit(intake: Intake, applicants: list, photo: bytes, count: int, start: int, threads: int = 4) -> list[str]:
    """``count`` signed applications; their ids."""

    def one(i: int) -> str:
        owner = applicants[i % len(applicants)]
        address = address_of(start + i + 1)
        code, content = intake.prepare(owner, photo, address, retries=30)
        answer = intake.post_signature(owner.session, code, _b64(owner.card.sign(content)), address, retries=30)
        assert answer.status_code == 200 and answer.json().get("application_id"), answer.text[:300]
        return answer.json()["application_id"]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(start, start + count)))


def intake_receipts(engine) -> dict[str, str]:
    with engine.connect() as c:
        return dict(
            c.execute(sa.text("SELECT id, receipt_number FROM applications WHERE receipt_number IS NOT NULL")).all()
        )


def review_cases(engine) -> dict[str, str]:
    with engine.connect() as c:
        return dict(c.execute(sa.text("SELECT application_id, receipt_number FROM cases")).all())


def unsent(engines: dict) -> int:
    total = 0
    for engine in engines.values():
        with engine.connect() as c:
            total += c.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
    return total


def settle(cluster, engines, ids: list[str], mails: int, timeout: float) -> None:
    def done() -> bool:
        seen = intake_receipts(engines["intake"])
        return all(i in seen for i in ids) and unsent(engines) == 0 and len(cluster.mail.snapshot()) >= mails

    try:
        testing.wait_until(done, timeout=timeout, interval=0.5, message=f"{len(ids)} applications received and mailed")
    except AssertionError as exc:
        seen = intake_receipts(engines["intake"])
        from email.header import decode_header, make_header

        subjects = Counter(str(make_header(decode_header(m["Subject"] or ""))) for m in cluster.mail.snapshot())
        raise AssertionError(
            f"{exc}: {sum(i in seen for i in ids)} of {len(ids)} with a receipt number, "
            f"{unsent(engines)} outbox rows unsent, {len(cluster.mail.snapshot())} of {mails} mails "
            f"{dict(subjects)}"
        ) from None


def cli(cluster, service: str, *args: str, stdin: str | None = None) -> str:
    env = cluster.procs[f"{service}-consume"].env
    done = subprocess.run(
        [str(BIN / f"zairyu-{service}"), *args], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout


def admin(sql: str) -> None:
    engine = sa.create_engine(testing.PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def run(before: int, after: int, after_restore: int, workdir: Path, out=print) -> list[str]:
    problems: list[str] = []
    photo = photo_jpeg()
    with running_system(workdir) as cluster:
        engines = {
            s: sa.create_engine(u, pool_pre_ping=True, poolclass=sa.pool.NullPool) for s, u in cluster.databases.items()
        }
        intake = Intake(cluster.url("intake"))
        holders = cluster.pki.holders_of_kind("valid")[:4]
        applicants = [
            intake.register(cluster.pki, h, f"drill{i}@example.jp", cluster.mail, address_of(70000 + i))
            for i, h in enumerate(holders)
        ]
        mails = len(applicants)
        first = submit(intake, applicants, photo, before, 0)
        mails += 2 * len(first)  # submitted + received
        settle(cluster, engines, first, mails, timeout=max(120, before))
        out(f"drill_applications_before_backup: {len(first)} applications")

        # -- backup -------------------------------------------------------------------------------
        backups = workdir / "backups"
        backups.mkdir(exist_ok=True)
        backup_time = datetime.now(UTC)
        t0 = time.monotonic()
        for service in SERVICES:
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--file={backups / service}.dump",
                    _libpq(cluster.databases[service]),
                ],
                check=True,
            )
        out(f"drill_backup_seconds: {time.monotonic() - t0:.2f} s (pg_dump of {len(SERVICES)} databases)")
        out(f"drill_backup_bytes: {sum((backups / f'{s}.dump').stat().st_size for s in SERVICES)} bytes")

        # -- keep working -------------------------------------------------------------------------
        second = submit(intake, applicants, photo, after, before)
        mails += 2 * len(second)
        settle(cluster, engines, first + second, mails, timeout=max(120, after))
        seen_before_restore = intake_receipts(engines["intake"])
        mail_count = len(cluster.mail.snapshot())
        out(f"drill_applications_after_backup: {len(second)} applications")

        # -- restore review -----------------------------------------------------------------------
        t_restore = time.monotonic()
        for name in (f"{RESTORED}-web", f"{RESTORED}-consume"):
            cluster.kill(name)
        engines[RESTORED].dispose()
        url = sa.make_url(cluster.databases[RESTORED])
        admin(f'DROP DATABASE "{url.database}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{url.database}"')
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                f"--dbname={_libpq(cluster.databases[RESTORED])}",
                str(backups / f"{RESTORED}.dump"),
            ],
            check=True,
        )
        lost = len(second) - len(set(second) & set(review_cases(engines[RESTORED])))
        out(f"drill_cases_missing_after_restore: {lost} cases (received after the backup)")
        cli(cluster, RESTORED, "migrate")
        seen = cli(cluster, "intake", "receipts-seen")
        out("# " + cli(cluster, RESTORED, "reserve-receipts", stdin=seen).strip())
        for name in (f"{RESTORED}-consume", f"{RESTORED}-web"):
            cluster.restart(name)
        since = (backup_time - timedelta(minutes=1)).isoformat()  # a margin: the inboxes drop what is not new
        republished = 0
        for service in SERVICES:
            if service != RESTORED:
                line = cli(cluster, service, "republish", "--since", since)
                republished += int(line.split(": ", 1)[1].split()[0])
        out(f"drill_events_republished: {republished} events")
        out(
            f"drill_restore_steps_seconds: {time.monotonic() - t_restore:.1f} s (stop, drop, pg_restore, migrate, "
            "reserve receipts, start, republish: mostly the CLIs' start-up)"
        )
        t_replay = time.monotonic()

        def consistent() -> bool:
            return (
                review_cases(engines[RESTORED]) == {a: seen_before_restore[a] for a in first + second}
                and unsent(engines) == 0
            )

        testing.wait_until(consistent, timeout=max(120, after), interval=0.5, message="review caught up")
        out(f"drill_replay_to_consistent_seconds: {time.monotonic() - t_replay:.1f} s")
        out(f"drill_restore_to_consistent_seconds: {time.monotonic() - t_restore:.1f} s")
        time.sleep(3)  # anything sent twice would arrive by now
        extra_mails = len(cluster.mail.snapshot()) - mail_count
        out(f"drill_mails_sent_again: {extra_mails} mails")
        if extra_mails:
            problems.append(f"{extra_mails} mails sent again after the restore")
        cases = review_cases(engines[RESTORED])
        wrong = [a for a in first + second if cases.get(a) != seen_before_restore.get(a)]
        out(f"drill_cases_with_their_original_number: {len(first + second) - len(wrong)} of {len(first + second)}")
        if wrong:
            problems.append(f"cases whose number changed: {wrong[:3]}")

        # -- and new work after it ------------------------------------------------------------------
        mails = len(cluster.mail.snapshot())  # before submitting: their mails start arriving at once
        third = submit(intake, applicants, photo, after_restore, before + after)
        mails += 2 * len(third)
        settle(cluster, engines, first + second + third, mails, timeout=max(120, after_restore))
        time.sleep(3)
        if len(cluster.mail.snapshot()) != mails:  # exactly: one "submitted" and one "received" mail each
            problems.append(f"{len(cluster.mail.snapshot())} mails where {mails} were due")
        numbers = intake_receipts(engines["intake"])
        new_numbers = [numbers[a] for a in third]
        reused = sorted(set(new_numbers) & set(seen_before_restore.values()))
        out(f"drill_new_numbers_already_seen: {len(reused)} numbers")
        if reused or len(set(numbers.values())) != len(numbers):
            problems.append(f"receipt numbers issued twice: {reused[:3]}")
        for engine in engines.values():
            engine.dispose()
        cluster.check_alive()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=int, nargs="?", default=40, help="applications before the backup")
    parser.add_argument("after", type=int, nargs="?", default=40, help="applications after the backup")
    parser.add_argument("--after-restore", type=int, default=10)
    parser.add_argument("--workdir")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="zairyu-restore-"))
    problems = run(args.before, args.after, args.after_restore, workdir)
    for p in problems:
        print(f"FAILED: {p}")
    print("restore drill: " + ("consistent" if not problems else "NOT consistent"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
