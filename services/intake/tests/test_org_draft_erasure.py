"""Drafts an organisation prepares for a person are under the roster entry's data key (issue 20).

A draft's fields (name, passport, address, family, work) were under the service key: erasing the roster entry left
them readable in the database and in every backup. They are now sealed under the entry's own key, as the entry's
values are. pg_dump while the entry is live; the entry is removed and purged 90 days later (its key destroyed through
the erasure ledger); the dump restored: both of its drafts (one unsigned, one filed) hold only ciphertext nobody can
open and read as "{}", the list pages still work, the purge run after the restore takes the unsigned one again and
keeps the filed one (the record that it was filed) without its link to the entry; another person's draft is whole.
Drafts written under the service key move under the entry's key with ``rotate-keys``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from intake_testkit import make_runtime
from test_organisation_people import ROW
from test_organisation_retention import FY2020, _organisation
from test_roster_erasure import _add

from intake.adapters import organisation_tables as o
from intake.adapters.tables import metadata
from intake.application import organisation_drafts, organisation_filing, organisation_people
from intake.application.organisations import Member
from zairyu_shared import crypto, subject_keys, testing

FIELDS = {k: ROW[k] for k in ("place_of_birth", "home_town", "occupation")}


def _consenting(rt, person: str) -> None:
    with rt.engine.begin() as conn:
        conn.execute(
            o.people.update()
            .where(o.people.c.id == person)
            .values(consent="document", consent_document_until=date.today() + timedelta(days=365))
        )


def _draft(rt, member: Member, person: str) -> str:
    with rt.session_factory() as s, s.begin():
        return organisation_drafts.create(rt, s, member, person, "extension", FIELDS)


def _data(rt, draft: str) -> dict:
    with rt.engine.connect() as conn:
        return json.loads(conn.execute(sa.select(o.org_drafts.c.data).where(o.org_drafts.c.id == draft)).scalar_one())


def _raw(url: str, draft: str) -> bytes:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text("SELECT data FROM organisation_drafts WHERE id = :d"), {"d": draft}).scalar()
    finally:
        engine.dispose()
    return bytes(value)


def _lists(rt, member: Member) -> tuple[dict[str, dict], dict[str, dict]]:
    """The organisation's two lists of drafts (the page's, and the one with fields), by draft id."""
    with rt.session_factory() as s:
        page = {d["draft_id"]: d for d in organisation_filing.drafts(s, member)}
        full = {d["draft_id"]: d for d in organisation_people.drafts_of(s, member.organisation_id)}
    return page, full


def test_an_erased_roster_entrys_drafts_are_unreadable_in_a_restored_backup(tmp_path):
    ledger = f"{tmp_path}/erasures/"  # a directory, as the manifests give it; outside the database, never restored
    with testing.fresh_database("zt_orgdraft") as live_url, testing.fresh_database("zt_orgdraft_back") as back_url:
        rt = make_runtime(tmp_path, database_url=live_url, erasure_ledger=ledger)
        try:
            with rt.session_factory() as s, s.begin():
                org = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
            member = Member(str(uuid.uuid4()), org, True, "en")
            leaving = _add(rt, org, "NGUYEN VAN AN", "AB12345678CD")
            staying = _add(rt, org, "SILVA MARIA", "EF87654321GH")
            for person in (leaving, staying):
                _consenting(rt, person)
            unsigned, filed, other = (
                _draft(rt, member, leaving),
                _draft(rt, member, leaving),
                _draft(rt, member, staying),
            )
            with rt.engine.begin() as conn:  # filed: what filing records (its application is the person's)
                conn.execute(
                    o.org_drafts.update()
                    .where(o.org_drafts.c.id == filed)
                    .values(submitted_application_id=str(uuid.uuid4()), submitted_at=datetime.now(UTC))
                )
            for draft, person in ((unsigned, leaving), (filed, leaving), (other, staying)):
                assert _raw(live_url, draft).startswith(f"zk1:{person}:".encode())  # under the entry's own key
                assert b"Hanoi" not in _raw(live_url, draft)
            assert _data(rt, unsigned)["place_of_birth"] == "Hanoi"
            assert _data(rt, unsigned)["card_number"] == "AB12345678CD"
            other_before = _data(rt, other)

            backup = tmp_path / "intake.dump"
            testing.pg_dump(live_url, backup)  # the nightly backup, taken while the entry was live

            removed = datetime.now(UTC) - timedelta(days=91)
            with rt.engine.begin() as conn:
                conn.execute(o.people.update().where(o.people.c.id == leaving).values(removed_at=removed))
            assert rt.purge().counts["roster_entry_ended"] == 1
            assert leaving in subject_keys.TombstoneLedger(ledger).subjects()
            # Live: the unsigned draft went with the entry; the filed one stays, unlinked, its fields erased.
            page, full = _lists(rt, member)
            assert unsigned not in page and filed in page and other in page
            assert full[filed]["person_id"] is None and full[filed]["fields"] == {}
            assert full[other]["fields"] == other_before
        finally:
            rt.stop()
            rt.engine.dispose()

        testing.pg_restore(back_url, backup)  # the drafts and the entry's wrapped key are back in this copy...
        restored = make_runtime(
            tmp_path / "r", database_url=back_url, erasure_ledger=ledger, data_keys=rt.settings.data_keys
        )
        try:
            # ...and migrate (run after every restore) destroyed the key again before anything served.
            for draft in (unsigned, filed):
                assert _raw(back_url, draft).startswith(f"zk1:{leaving}:".encode())
                assert _data(restored, draft) == {}
            assert _data(restored, other) == other_before  # the other person's draft is whole
            page, full = _lists(restored, member)  # the pages still list them, without a name or fields
            assert {unsigned, filed, other} <= set(page) and page[unsigned]["person_name"] == ""
            assert full[unsigned]["fields"] == {} and full[other]["fields"] == other_before
            # The purge the restore procedure runs takes the entry and its unsigned draft again; the filed one stays.
            assert restored.purge().counts["roster_entry_ended"] == 1
            page, full = _lists(restored, member)
            assert unsigned not in page and filed in page and full[filed]["person_id"] is None
        finally:
            restored.stop()
            restored.engine.dispose()


def test_rotate_keys_moves_drafts_under_their_roster_entrys_key(tmp_path):
    rt = make_runtime(tmp_path)
    try:
        with rt.session_factory() as s, s.begin():
            org = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
        person = _add(rt, org, "TRAN THI BINH", "AB00000000CD")
        old = str(uuid.uuid4())
        with rt.engine.begin() as conn:  # as intake wrote it before: under the service key
            conn.execute(
                o.org_drafts.insert().values(
                    id=old,
                    organisation_id=org,
                    person_id=person,
                    procedure="extension",
                    filer_role="employer",
                    data=json.dumps({"place_of_birth": "Hue"}),
                    created_by=str(uuid.uuid4()),
                    created_at=FY2020,
                )
            )
            raw = conn.execute(sa.text("SELECT data FROM organisation_drafts WHERE id = :d"), {"d": old}).scalar_one()
        assert crypto.split_subject_token(bytes(raw)) is None
        assert subject_keys.rotate_keys(rt.engine, metadata)["values_sealed"] >= 1
        with rt.engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT data FROM organisation_drafts WHERE id = :d"), {"d": old}).scalar_one()
        assert bytes(raw).startswith(f"zk1:{person}:".encode())
        assert _data(rt, old) == {"place_of_birth": "Hue"}
    finally:
        rt.stop()
