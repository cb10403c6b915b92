"""`zairyu-intake`: migrate, consume, web, seed-demo, settings, and sample-documents (intake's own)."""
import sys

from zairyu_shared.service_cli import main as service_main

from .service import definition


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sample-documents"]:  # needs no database, bus or settings: not a service command
        from .samples import main as samples_main

        return samples_main(argv[1:])
    return service_main(definition, argv)


if __name__ == "__main__":
    sys.exit(main())
