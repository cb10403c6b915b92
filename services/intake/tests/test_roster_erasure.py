"""An organisation's roster entry is under a data key of its own (issue 20).

The entry's name, card number, nationality, date of birth and period of stay, and its paper consent's scan, are
sealed under one key per entry. When the entry's retention ends (``roster_entry_ended``: 90 days after removal)
the purge destroys that key through the erasure ledger: a pg_dump and a copy of the store taken while the entry
was live, restored afterwards, read it nowhere (``migrate`` re-applied the ledger), and the purge run after the
restore deletes the row again (the dump predates its removal). Another entry of the same organisation stays whole.
Rows written under the service key move under the entry's key with ``rotate-keys``.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from intake_testkit import make_runtime
from test_organisation_retention import FY2020, _organisation

from intake.adapters import organisation_tables as o
from intake.adapters.tables import metadata
from intake.application import organisation_drafts, organisation_people
from intake.bootstrap import ports
from zairyu_shared import crypto, subject_keys, testing
from zairyu_shared.subject_keys import SubjectErased

ROSTER_VALUES = "name, card_number, period_expiry, nationality, date_of_birth"


def _add(rt, org: str, name: str, card: str) -> str:
    with rt.session_factory() as s, s.begin():
        return organisation_people.add(
            rt,
            s,
            org,
            {
                "name": name,
                "nationality": "Viet Nam",
                "date_of_birth": "1994-03-15",
                "status": "engineer_humanities",
                "period_of_stay": "3 years",
                "period_expiry": "2027-03-06",
                "card_number": card,
            },
        )


def _entry(rt, person: str):
    """The entry's personal values, decrypted (SubjectErased once its key is gone)."""
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(o.people.c.name, o.people.c.card_number, o.people.c.date_of_birth).where(o.people.c.id == person)
        ).one()


def _raw(url: str, person: str) -> list[bytes]:
    """The stored bytes of the entry's personal columns, as a backup holds them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(f"SELECT {ROSTER_VALUES} FROM organisation_people WHERE id = :p"), {"p": person}
            ).one()
    finally:
        engine.dispose()
    return [bytes(v) for v in row]


def test_a_purged_roster_entry_is_unreadable_in_a_restored_backup(tmp_path):
    ledger = tmp_path / "erasures" / "intake.ledger"  # outside the database, never restored
    scan = b"%PDF-1.4 consent signed on paper by NGUYEN VAN AN"
    with testing.fresh_database("zt_roster") as live_url, testing.fresh_database("zt_roster_back") as back_url:
        rt = make_runtime(tmp_path, database_url=live_url, erasure_ledger=str(ledger))
        try:
            with rt.session_factory() as s, s.begin():
                org = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
            leaving = _add(rt, org, "NGUYEN VAN AN", "AB12345678CD")
            staying = _add(rt, org, "SILVA MARIA", "EF87654321GH")
            with rt.session_factory() as s, s.begin():
                sha = ports(rt).store.put(scan, leaving, s.connection())
                s.execute(o.people.update().where(o.people.c.id == leaving).values(consent_document_sha256=sha))
            for person in (leaving, staying):  # every personal value under the entry's own key
                assert all(v.startswith(f"zk1:{person}:".encode()) for v in _raw(live_url, person))
            assert _entry(rt, leaving).name == "NGUYEN VAN AN"
            staying_before = tuple(_entry(rt, staying))

            backup, store_backup = tmp_path / "intake.dump", tmp_path / "store-backup"
            testing.pg_dump(live_url, backup)  # the nightly backups, taken while the entry was live
            shutil.copytree(ports(rt).store.root, store_backup)

            # The organisation removes the person; 90 days later the purge takes the entry and its key.
            removed = datetime.now(UTC) - timedelta(days=91)
            with rt.engine.begin() as conn:
                conn.execute(o.people.update().where(o.people.c.id == leaving).values(removed_at=removed))
            assert rt.purge().counts["roster_entry_ended"] == 1
            assert leaving in ledger.read_text()
        finally:
            rt.stop()
            rt.engine.dispose()

        testing.pg_restore(back_url, backup)  # the entry and its wrapped key are back in this copy...
        restored = make_runtime(
            tmp_path / "r",
            database_url=back_url,
            erasure_ledger=str(ledger),
            data_keys=rt.settings.data_keys,
            store_dir=str(store_backup),
        )
        try:
            # ...and migrate (run after every restore) destroyed the key again before anything served.
            with pytest.raises(SubjectErased):
                _entry(restored, leaving)
            assert all(v.startswith(f"zk1:{leaving}:".encode()) for v in _raw(back_url, leaving))
            assert ports(restored).store.get(sha, leaving) is None  # the store's copy of the scan too
            assert tuple(_entry(restored, staying)) == staying_before  # the other entry is whole
            # Until that purge runs, the unreadable entry breaks nothing: the roster page lists the other entry,
            # the person's page, the CSV import and the drafts' names do not know it, and the expiry reminders
            # (the stay ends in 90 days on this day) go for the other entry alone.
            with restored.session_factory() as s, s.begin():
                listed = {p.person_id for p in organisation_people.roster(s, org)}
                assert staying in listed and leaving not in listed
                with pytest.raises(organisation_people.NotFound):
                    organisation_people.get(s, org, leaving)
                assert organisation_people.get(s, org, staying).name == "SILVA MARIA"
                by_card = {r.id for r in organisation_drafts._person_by_card(s, org).values()}
                assert staying in by_card and leaving not in by_card
                organisation_people.send_reminders(restored, s, today=date(2026, 12, 6))
                reminded = s.execute(sa.select(o.reminders.c.person_id)).scalars().all()
                assert staying in reminded and leaving not in reminded
            # The dump predates the removal: the row is back as if live. The purge the restore procedure runs
            # before anything serves takes it again (its key is gone), and the roster reads whole.
            assert restored.purge().counts["roster_entry_ended"] == 1
            with restored.session_factory() as s:
                assert [p.person_id for p in organisation_people.roster(s, org)] != []
                assert leaving not in {p.person_id for p in organisation_people.roster(s, org)}
        finally:
            restored.stop()
            restored.engine.dispose()


def test_rotate_keys_moves_roster_entries_under_their_own_key(tmp_path):
    rt = make_runtime(tmp_path)
    try:
        with rt.session_factory() as s, s.begin():
            org = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
            old = str(uuid.uuid4())
            s.execute(  # as intake wrote it before: under the service key
                o.people.insert().values(
                    id=old,
                    organisation_id=org,
                    name="TRAN THI BINH",
                    status="engineer_humanities",
                    period_expiry="2027-03-06",
                    card_number="AB00000000CD",
                    created_at=FY2020,
                )
            )
        url = rt.settings.database_url
        with rt.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT name FROM organisation_people WHERE id = :p"), {"p": old}).scalar_one()
        assert crypto.split_subject_token(bytes(raw)) is None
        report = subject_keys.rotate_keys(rt.engine, metadata)
        assert report["values_sealed"] >= 3
        with rt.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT name FROM organisation_people WHERE id = :p"), {"p": old}).scalar_one()
        assert bytes(raw).startswith(f"zk1:{old}:".encode()), url
        assert _entry(rt, old).name == "TRAN THI BINH"
    finally:
        rt.stop()
