"""The keys a purge destroys go through the erasure ledger (issue 20), so a restored backup forgets them too.

An unfinished registration's key (made for the address typed) and the key of an account held for a person who
consented on paper (once their roster entry is gone and no application is on it) are destroyed with their rows
through ``Keyring.erase_many``: the ledger lists them, and ``migrate`` after a restore destroys again the keys the
backup brought back. A registration that never made a key adds nothing to the ledger.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from intake_testkit import make_runtime
from test_retention_purge import _applicant

from intake.adapters import tables as t

NOW = datetime(2026, 12, 6, 3, tzinfo=UTC)


def test_purged_registrations_and_held_accounts_lose_their_keys_through_the_ledger(tmp_path):
    ledger = tmp_path / "erasures" / "intake.ledger"  # outside the database, never restored
    rt = make_runtime(tmp_path, erasure_ledger=str(ledger))
    try:
        keyed, keyless = str(uuid.uuid4()), str(uuid.uuid4())
        with rt.session_factory() as s, s.begin():
            for reg_id in (keyed, keyless):
                s.execute(
                    t.registrations.insert().values(
                        id=reg_id,
                        email="x@example.jp",
                        email_lookup=reg_id,
                        language="en",
                        created_at=NOW - timedelta(days=400),
                    )
                )
            held = _applicant(s, "held")
            s.execute(t.applicants.update().where(t.applicants.c.id == held).values(cert_issuer=t.HELD_ACCOUNT_ISSUER))
            own = _applicant(s, "own")  # an account of the person's own: not purged
            for subject in (keyed, held, own):
                rt.keyring.key_for_writing(s.connection(), subject)
        with rt.engine.connect() as conn:
            backup = conn.execute(sa.select(t.subject_key_tables.keys)).mappings().all()  # as a backup holds them

        counts = rt.purge(now=NOW).counts
        assert counts["registration_refused"] == 2 and counts["roster_entry_ended"] == 1
        erased = set(ledger.read_text().split()) if ledger.exists() else set()
        assert {keyed, held} <= erased and keyless not in erased and own not in erased
        with rt.engine.connect() as conn:
            left = set(conn.execute(sa.select(t.subject_key_tables.keys.c.subject)).scalars())
        assert left == {own}

        # A restore brings the keys back; migrate (run after every restore) destroys them again.
        with rt.engine.begin() as conn:
            conn.execute(t.subject_key_tables.keys.delete())
            conn.execute(t.subject_key_tables.erased.delete())
            conn.execute(t.subject_key_tables.keys.insert(), [dict(r) for r in backup])
        rt.migrate()
        with rt.engine.connect() as conn:
            left = set(conn.execute(sa.select(t.subject_key_tables.keys.c.subject)).scalars())
        assert left == {own}
    finally:
        rt.stop()
