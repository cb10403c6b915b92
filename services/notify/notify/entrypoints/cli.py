"""`zairyu-notify`: the shared commands (migrate, consume, web, seed-demo, settings) plus ops tools.

`consume` also runs the sender loop (the service definition's worker).
"""

from __future__ import annotations

import argparse
import json
import sys

from zairyu_shared.service_cli import main as service_main

from .service import definition

OPS = ("failures", "bounce", "requeue")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in OPS:
        return ops(argv)
    return service_main(definition, argv)


def ops(argv: list[str], runtime=None, out=None) -> int:
    from notify.adapters import store
    from notify.application.bounces import mark_bounced
    from notify.domain import delivery
    from zairyu_shared.runtime import Runtime

    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="zairyu-notify")
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser(
        "failures", help="e-mail notices that failed for good (permanent SMTP error or too many retries)"
    )
    f.add_argument("--limit", type=int, default=100)
    f.add_argument("--json", action="store_true")
    b = sub.add_parser("bounce", help="record a bounce for a sent notice (notice id or its Message-ID)")
    b.add_argument("notice")
    b.add_argument("--reason", default="")
    r = sub.add_parser("requeue", help="send a failed notice again (after fixing the address or the relay)")
    r.add_argument("notice_id")
    args = parser.parse_args(argv)
    runtime = runtime or Runtime.from_env(definition)
    if args.command == "failures":
        rows = store.failures(runtime.engine, args.limit)
        items = [
            {
                "id": r.id,
                "notice_type": r.notice_type,
                "recipient": r.recipient,
                "address": _mask(r.address or r.current_email),
                "application_id": r.application_id,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "failed_at": r.updated_at.isoformat(),
            }
            for r in rows
        ]
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2), file=out)
        else:
            for i in items:
                print(
                    f"{i['failed_at']}  {i['id']}  {i['notice_type']:24} {i['recipient']:28} "
                    f"{i['address'] or '-':24} attempts={i['attempts']}  {i['last_error']}",
                    file=out,
                )
            print(f"{len(items)} failed notice(s)", file=out)
        return 0
    if args.command == "bounce":
        result = mark_bounced(runtime, args.notice, args.reason)
        if result is None:
            print(f"no e-mail notice {args.notice}", file=sys.stderr)
            return 1
        if result is False:
            print(f"notice {args.notice} was not sent; only a sent notice can bounce", file=sys.stderr)
            return 1
        print(f"{args.notice}: bounced", file=out)
        return 0
    row = store.set_state(
        runtime.session_factory,
        args.notice_id,
        allowed_from=(delivery.FAILED,),
        state=delivery.QUEUED,
        error=None,
        reset_attempts=True,
    )
    if row is None:
        print(f"notice {args.notice_id} is not failed", file=sys.stderr)
        return 1
    print(f"{args.notice_id}: queued again", file=out)
    return 0


def _mask(address: str | None) -> str | None:
    """Enough for ops to recognise a typo without printing the whole address."""
    if not address or "@" not in address:
        return address
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


if __name__ == "__main__":
    sys.exit(main())
