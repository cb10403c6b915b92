"""`zairyu-signing`: migrate, consume, web, seed-demo, settings."""

import sys

from zairyu_shared.service_cli import main as service_main

from .service import definition


def main() -> int:
    return service_main(definition)


if __name__ == "__main__":
    sys.exit(main())
