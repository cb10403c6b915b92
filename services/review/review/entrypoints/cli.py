"""`zairyu-review`: migrate, consume, web, seed-demo, settings, plus audit verify|export and reminders."""

import argparse
import json
import sys

from zairyu_shared.japan_time import japan_today
from zairyu_shared.service_cli import main as service_main

from .service import definition


def _runtime():
    from zairyu_shared.runtime import Runtime

    return Runtime.from_env(definition)


def audit_main(argv: list[str], runtime=None, out=sys.stdout) -> int:
    from review.adapters import audit

    parser = argparse.ArgumentParser(prog="zairyu-review audit")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="walk the hash chain; exit 1 if anything was altered, removed or inserted")
    verify.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a public key that signed trim anchors (an earlier audit key; the configured one is always used)",
    )
    export = sub.add_parser("export", help="write the log as JSON lines (with hashes, verifiable offline)")
    export.add_argument("--application", help="only one case's entries")
    export.add_argument("--bureau")
    args = parser.parse_args(argv)
    runtime = runtime or _runtime()
    with runtime.engine.connect() as conn:
        if args.command == "verify":
            count, problems = audit.verify_chain(conn, keys=_audit_keys(runtime, args.key))
            for p in problems:
                print(f"TAMPERED {p}", file=out)
            first = audit.first_seq(conn) or 1
            cut = f" from seq {first} (1..{first - 1} trimmed)" if first > 1 else ""
            print(
                f"audit chain: {count} entries{cut}, {'intact' if not problems else f'{len(problems)} problems'}",
                file=out,
            )
            return 1 if problems else 0
        for entry in audit.entries(conn, args.application, args.bureau):
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True), file=out)
    return 0


def _audit_keys(runtime, pem_files: list[str]) -> list[bytes]:
    """The audit key (the access log's key pair, which signs trim anchors) and any earlier ones given."""
    from pathlib import Path

    from review.bootstrap import ports

    keys = [Path(name).read_bytes() for name in pem_files]
    signer = ports(runtime).access_log_signer
    return keys + ([signer.public_key_der] if signer is not None else [])


def reminders_main(argv: list[str], runtime=None, out=sys.stdout) -> int:
    from review.application import periodic
    from zairyu_shared.db import transaction

    parser = argparse.ArgumentParser(prog="zairyu-review send-reminders")
    parser.add_argument("--days-before", type=int, default=3)
    args = parser.parse_args(argv)
    runtime = runtime or _runtime()
    with transaction(runtime.session_factory) as session:
        n = periodic.reminders_due(runtime, session, japan_today(), args.days_before)
    runtime.relay.drain()  # a one-off run has no relay thread of its own
    print(f"documents reminders staged: {n}", file=out)
    return 0


def reserve_receipts_main(argv: list[str], runtime=None, src=sys.stdin, out=sys.stdout) -> int:
    """Reads "application_id<TAB>receipt_number" lines (what intake has recorded) after a restore."""
    from review.application.receipts_after_restore import reserve
    from zairyu_shared.db import transaction

    argparse.ArgumentParser(
        prog="zairyu-review reserve-receipts",
        description="after a restore: never issue again a number other services have seen "
        "(stdin: `zairyu-intake receipts-seen`)",
    ).parse_args(argv)
    seen = [tuple(line.split("\t")[:2]) for line in (raw.strip() for raw in src) if line]
    runtime = runtime or _runtime()
    with transaction(runtime.session_factory) as session:
        report = reserve(session, seen)
    print("receipts: " + ", ".join(f"{k} {v}" for k, v in report.items()), file=out)
    return 0


def create_officer_main(argv: list[str], runtime=None, out=sys.stdout) -> int:
    """Bootstrap accounts (the first administrators of a bureau, a national auditor) from the shell.

    Whoever runs this holds the service's database already; the web's administrators create accounts
    that a second administrator approves and the officer enrols themself (README, "Officer accounts")."""
    from review.adapters import audit
    from review.adapters.accounts import create_officer
    from review.adapters.enrolments import staff_id_taken
    from review.domain.bureaus import BUREAUS
    from review.domain.enrolment import valid_staff_id
    from review.domain.offices import OFFICES
    from review.domain.roles import Officer, Role
    from zairyu_shared.db import transaction

    parser = argparse.ArgumentParser(
        prog="zairyu-review create-officer", description="create an officer; prints the password and TOTP secret once"
    )
    parser.add_argument("username")
    parser.add_argument("--display-name", required=True)
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--bureau", choices=sorted(BUREAUS), help="omit only for a national auditor")
    parser.add_argument("--office", choices=sorted(OFFICES), help="scope to one district/branch office of the bureau")
    parser.add_argument(
        "--staff-id",
        help="the person's staff number (one live account per person; four-eyes "
        "compares people): give it, especially to administrators",
    )
    args = parser.parse_args(argv)
    try:
        Officer("new", Role(args.role), args.bureau, office=args.office)
    except ValueError as exc:
        parser.error(str(exc))
    if args.staff_id is not None and not valid_staff_id(args.staff_id):
        parser.error("--staff-id: letters, digits, '.', '_' or '-', up to 40")
    runtime = runtime or _runtime()
    with transaction(runtime.session_factory) as session:
        if args.staff_id is not None and staff_id_taken(session, args.staff_id):
            parser.error(f"staff id {args.staff_id} already has a live account")
        officer_id, password, secret = create_officer(
            session,
            args.username,
            args.display_name,
            args.role,
            args.bureau,
            office=args.office,
            staff_id=args.staff_id,
            created_by="cli",
        )
        audit.append(
            session,
            "cli",
            "officer.created",
            bureau=args.bureau,
            target=officer_id,
            detail={
                "username": args.username,
                "role": args.role,
                "office": args.office,
                "staff_id": args.staff_id,
                "enrolment": "enrolled (bootstrap)",
            },
        )
    print(f"{args.username}: password {password}  TOTP secret {secret}  (shown once)", file=out)
    return 0


def index_filers_main(argv: list[str], runtime=None, out=sys.stdout) -> int:
    """Index the cases received before cases.filer_lookup existed (after migration 0014), or every case after
    ZAIRYU_REVIEW_HASH_KEY changed (--all), so an organisation's applications are all listed."""
    from review.application import organisations
    from zairyu_shared.db import transaction

    parser = argparse.ArgumentParser(
        prog="zairyu-review index-filers",
        description="index each case by its filing organisation's number (a keyed hash), batch by batch",
    )
    parser.add_argument("--all", action="store_true", help="every case filed on someone's behalf, not only new ones")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    runtime = runtime or _runtime()
    key = runtime.settings.hashing_key
    total, after = 0, ""
    while True:
        with transaction(runtime.session_factory) as session:
            done, last = organisations.index_filers(session, key, everything=args.all, after=after, batch=args.batch)
        total += done
        if last is None:
            break
        after = last
    print(f"cases indexed: {total}", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["audit"]:
        return audit_main(argv[1:])
    if argv[:1] == ["access-log"]:
        from .access_cli import main as access_main

        return access_main(argv[1:])
    if argv[:1] == [
        "reserve-receipts"
    ]:  # after a restore: `zairyu-intake receipts-seen | zairyu-review reserve-receipts`
        return reserve_receipts_main(argv[1:])
    if argv[:1] == ["create-officer"]:
        return create_officer_main(argv[1:])
    if argv[:1] == ["index-filers"]:  # once after migration 0014, and with --all after the hash key changed
        return index_filers_main(argv[1:])
    if argv[:1] == ["send-reminders"]:  # run daily (cron / k8s CronJob)
        return reminders_main(argv[1:])
    if argv[:1] in (["sample-coe"], ["cancel-coe"], ["coe-key"]):
        from .coe_cli import main as coe_main

        return coe_main(argv)
    return service_main(definition, argv)


if __name__ == "__main__":
    sys.exit(main())
