"""Demo data for the embedded run: one mailroom officer, whose secrets are printed once."""

from __future__ import annotations

import sqlalchemy as sa

from card_delivery.adapters import officers
from card_delivery.adapters.tables import officers as officers_table
from zairyu_shared.db import transaction

DEMO_USERNAME = "mailroom"


def seed_demo(runtime) -> None:
    with transaction(runtime.session_factory) as session:
        if session.execute(
            sa.select(officers_table.c.officer_id).where(officers_table.c.username == DEMO_USERNAME)
        ).first():
            print("card-delivery: demo mailroom officer already exists (its secrets were printed when created)")
            return
        created = officers.create(session, DEMO_USERNAME, "Mailroom demo officer")
    print_new_officer(created, runtime.settings.public_url)


def print_new_officer(created, public_url: str) -> None:
    print(f"card-delivery: mailroom officer {created.officer.username} — these secrets are shown only now:")
    print(f"  sign in at   {public_url}/mailroom/sign-in")
    print(f"  username     {created.officer.username}")
    print(f"  password     {created.password}")
    print(f"  TOTP secret  {created.totp_secret}")
    print(f"  TOTP URI     {created.provisioning_uri()}")
