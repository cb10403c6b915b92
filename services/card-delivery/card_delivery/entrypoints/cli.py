"""`zairyu-card-delivery`: migrate, consume, web, seed-demo, settings — plus check-deadlines and
create-officer, which only this service has."""

from __future__ import annotations

import argparse
import json
import sys

from zairyu_shared.service_cli import main as service_main

from .service import definition


def _runtime():
    from zairyu_shared import logs
    from zairyu_shared.runtime import Runtime

    runtime = Runtime.from_env(definition)
    logs.configure(definition.name, runtime.settings.log_level)
    return runtime


def check_deadlines_command(argv) -> int:
    argparse.ArgumentParser(
        prog="zairyu-card-delivery check-deadlines",
        description="publish card.envelope_overdue (once per case) and refresh the gauges",
    ).parse_args(argv)
    from card_delivery.application.deadlines import check_deadlines

    runtime = _runtime()
    try:
        result = check_deadlines(runtime)
        runtime.relay.drain()
    finally:
        runtime.stop()
    print(json.dumps(result, indent=2))
    return 0


def create_officer_command(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="zairyu-card-delivery create-officer",
        description="create a mailroom officer; prints the password and TOTP secret once",
    )
    parser.add_argument("username")
    parser.add_argument("--display-name", required=True)
    args = parser.parse_args(argv)
    from card_delivery.adapters import officers
    from zairyu_shared.db import transaction

    from .seed import print_new_officer

    runtime = _runtime()
    try:
        with transaction(runtime.session_factory) as session:
            created = officers.create(session, args.username, args.display_name)
    finally:
        runtime.engine.dispose()
    print_new_officer(created, runtime.settings.public_url)
    return 0


def reset_officer_command(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="zairyu-card-delivery reset-officer",
        description="new password and TOTP secret for a locked-out officer; printed once",
    )
    parser.add_argument("username")
    args = parser.parse_args(argv)
    from card_delivery.adapters import officers
    from zairyu_shared.db import transaction

    from .seed import print_new_officer

    runtime = _runtime()
    try:
        with transaction(runtime.session_factory) as session:
            created = officers.reset(session, args.username)
    finally:
        runtime.engine.dispose()
    if created is None:
        print(f"no officer named {args.username}", file=sys.stderr)
        return 1
    print_new_officer(created, runtime.settings.public_url)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check-deadlines":
        return check_deadlines_command(argv[1:])
    if argv and argv[0] == "create-officer":
        return create_officer_command(argv[1:])
    if argv and argv[0] == "reset-officer":
        return reset_officer_command(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print("extra commands: check-deadlines, create-officer USERNAME --display-name NAME, reset-officer USERNAME")
    return service_main(definition, argv)


if __name__ == "__main__":
    sys.exit(main())
