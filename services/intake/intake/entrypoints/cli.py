"""`zairyu-intake`: migrate, consume, web, seed-demo, settings, and sample-documents (intake's own)."""

import sys

from zairyu_shared.service_cli import main as service_main

from .service import definition


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sample-documents"]:  # needs no database, bus or settings: not a service command
        from .samples import main as samples_main

        return samples_main(argv[1:])
    if argv[:1] == ["receipts-seen"]:  # for review's restore: `... | zairyu-review reserve-receipts`
        return receipts_seen(argv[1:])
    return service_main(definition, argv)


def receipts_seen(argv: list[str], out=sys.stdout) -> int:
    """Every receipt number intake has recorded (and e-mailed the applicant): "application_id<TAB>number"."""
    import argparse

    import sqlalchemy as sa

    from intake.adapters.tables import applications
    from zairyu_shared.runtime import Runtime

    argparse.ArgumentParser(prog="zairyu-intake receipts-seen").parse_args(argv)
    runtime = Runtime.from_env(definition)
    with runtime.engine.connect() as conn:
        for application_id, number in conn.execute(
            sa.select(applications.c.id, applications.c.receipt_number).where(
                applications.c.receipt_number.is_not(None)
            )
        ):
            print(f"{application_id}\t{number}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
