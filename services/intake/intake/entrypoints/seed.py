"""Embedded demo: intake needs no demo applicant (the demo card's holder registers through the UI).

Seeding makes sure the attachment store exists, so the first upload does not race to create it.
"""

from __future__ import annotations

from intake.bootstrap import ports


def seed_demo(runtime) -> None:
    ports(runtime)  # builds the store
