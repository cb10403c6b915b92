"""Organisations' data under a frozen clock, on SQLite and PostgreSQL (issue 20): a refused or ended use goes 5 years
from the 特定日 after it ended, with everything it holds; a roster entry removed or whose consent was withdrawn goes
90 days after, its unfiled drafts with it and its filed ones kept; a removed staff member 90 days after."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import make_runtime

from intake.adapters import organisation_tables as o
from intake.bootstrap import ports
from zairyu_shared import testing
from zairyu_shared.japan_time import JAPAN

FY2020 = datetime(2020, 6, 1, 12, 0, tzinfo=JAPAN)  # fiscal 2020: 特定日 2021-04-01, +5 years: 2026-04-01


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    if request.param == "sqlite":
        rt = make_runtime(tmp_path)
        yield rt
        rt.stop()
        return
    with testing.fresh_database("zt_intake_org_ret") as url:
        rt = make_runtime(tmp_path, database_url=url)
        yield rt
        rt.stop()


def _organisation(s, status: str, decided: datetime | None, until: date | None = None) -> str:
    org = str(uuid.uuid4())
    s.execute(
        o.organisations.insert().values(
            id=org,
            name="株式会社サンプル",
            kind="employer",
            address="東京都",
            bureau="tokyo",
            status=status,
            requested_at=FY2020 - timedelta(days=30),
            decided_at=decided,
            approved_from=decided.date() if until else None,
            approved_until=until,
        )
    )
    staff = str(uuid.uuid4())
    s.execute(
        o.organisation_staff.insert().values(
            id=staff,
            organisation_id=org,
            email=f"{staff}@example.jp",
            email_lookup=staff,
            language="ja",
            created_at=FY2020,
        )
    )
    s.execute(o.staff_invitations.insert().values(token_hash=uuid.uuid4().hex, staff_id=staff, expires_at=FY2020))
    s.execute(
        o.api_tokens.insert().values(
            token_hash=uuid.uuid4().hex,
            organisation_id=org,
            staff_id=staff,
            scopes="roster",
            expires_at=FY2020,
            created_at=FY2020,
        )
    )
    s.execute(
        o.webhooks.insert().values(organisation_id=org, url="https://h.example.jp", secret="s", created_at=FY2020)
    )
    _person(s, org, staff)
    return org


def _person(
    s,
    org: str,
    staff: str,
    removed: datetime | None = None,
    withdrawn: datetime | None = None,
    scan: bytes | None = None,
    rt=None,
):
    person = str(uuid.uuid4())
    # A paper consent's scan is the roster person's: sealed under the entry's own data key.
    sha = ports(rt).store.put(scan, person, s.connection()) if scan else None
    s.execute(
        o.people.insert().values(
            id=person,
            organisation_id=org,
            name="NGUYEN VAN AN",
            status="engineer_humanities",
            period_expiry="2027-03-06",
            card_number="AB12345678CD",
            consent="withdrawn" if withdrawn else "document" if scan else "account",
            consent_at=withdrawn or FY2020,
            consent_document_sha256=sha,
            created_at=FY2020,
            removed_at=removed,
        )
    )
    s.execute(o.reminders.insert().values(person_id=person, expiry=date(2027, 3, 6), days_before=90, sent_at=FY2020))
    drafts = []
    for filed in (None, str(uuid.uuid4())):
        draft = str(uuid.uuid4())
        s.execute(
            o.org_drafts.insert().values(
                id=draft,
                organisation_id=org,
                person_id=person,
                procedure="extension",
                filer_role="employer_staff",
                data="{}",
                created_by=staff,
                created_at=FY2020,
                submitted_application_id=filed,
            )
        )
        drafts.append(draft)
    return person, drafts


def _ids(rt, table) -> set[str]:
    with rt.engine.connect() as conn:
        return set(conn.execute(sa.select(table.c[next(iter(table.primary_key.columns)).name])).scalars())


def test_an_ended_use_goes_five_years_from_the_tokutei_bi_with_all_it_holds(runtime):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        refused = _organisation(s, "refused", FY2020)
        ended = _organisation(s, "approved", FY2020, until=date(2021, 3, 31))  # last day in fiscal 2020
        running = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
        later = _organisation(s, "approved", FY2020, until=date(2021, 4, 1))  # fiscal 2021: one year more
        pending = _organisation(s, "pending", None)
    with time_machine.travel(datetime(2026, 3, 31, 23, 59, tzinfo=JAPAN), tick=False):
        assert rt.purge().counts.get("organisation_use", 0) == 0
    with time_machine.travel(datetime(2026, 4, 1, 0, 1, tzinfo=JAPAN), tick=False):
        assert rt.purge().counts["organisation_use"] == 2
    assert _ids(rt, o.organisations) == {running, later, pending}
    kept = {running, later, pending}
    with rt.engine.connect() as conn:
        for table in (o.organisation_staff, o.people, o.org_drafts, o.api_tokens, o.webhooks):
            owners = set(conn.execute(sa.select(table.c.organisation_id)).scalars())
            assert owners == kept, table.name
        assert conn.execute(sa.select(sa.func.count()).select_from(o.staff_invitations)).scalar() == 3
        assert conn.execute(sa.select(sa.func.count()).select_from(o.reminders)).scalar() == 3
    assert refused not in _ids(rt, o.organisations) and ended not in _ids(rt, o.organisations)


def test_a_roster_entry_ended_goes_after_ninety_days_and_its_filed_drafts_stay(runtime):
    rt = runtime
    start = datetime(2026, 1, 10, 0, 0, tzinfo=UTC)  # stored in UTC, as the services write it
    with rt.session_factory() as s, s.begin():
        org = _organisation(s, "approved", FY2020, until=date(2029, 3, 31))
        staff = s.execute(sa.select(o.organisation_staff.c.id)).scalars().first()
        removed, (removed_unfiled, removed_filed) = _person(
            s, org, staff, removed=start, scan=b"consent on paper, removed", rt=rt
        )
        kept, _ = _person(s, org, staff, scan=b"kept", rt=rt)
        withdrawn, (withdrawn_unfiled, withdrawn_filed) = _person(s, org, staff, withdrawn=start)
        gone_staff = str(uuid.uuid4())
        s.execute(
            o.organisation_staff.insert().values(
                id=gone_staff,
                organisation_id=org,
                email="gone@example.jp",
                email_lookup="gone",
                language="en",
                created_at=FY2020,
                removed_at=start,
            )
        )
        s.execute(
            o.api_tokens.insert().values(
                token_hash="t-gone",
                organisation_id=org,
                staff_id=gone_staff,
                scopes="roster",
                expires_at=start,
                created_at=start,
            )
        )
    gone_scan, kept_scan = (hashlib.sha256(b).hexdigest() for b in (b"consent on paper, removed", b"kept"))
    assert ports(rt).store.get(gone_scan, removed) == b"consent on paper, removed"
    with time_machine.travel(start + timedelta(days=90) - timedelta(minutes=1), tick=False):
        counts = rt.purge().counts
        assert counts.get("roster_entry_ended", 0) == 0 and counts.get("organisation_staff_removed", 0) == 0
    with time_machine.travel(start + timedelta(days=90, minutes=1), tick=False):
        counts = rt.purge().counts
    assert counts["roster_entry_ended"] == 2 and counts["organisation_staff_removed"] == 1
    assert not {removed, withdrawn} & _ids(rt, o.people) and len(_ids(rt, o.people)) == 2
    assert not ports(rt).store.sealed_path(gone_scan, removed).exists()  # the scan left the store with its row
    with rt.engine.connect() as conn:  # and the entry's data key: a backup's copy of the scan is unreadable
        assert not conn.execute(sa.text("SELECT 1 FROM subject_keys WHERE subject = :s"), {"s": removed}).first()
    assert ports(rt).store.get(kept_scan, kept) == b"kept"
    drafts = _ids(rt, o.org_drafts)
    assert {removed_filed, withdrawn_filed} <= drafts and not {removed_unfiled, withdrawn_unfiled} & drafts
    with rt.engine.connect() as conn:
        links = conn.execute(
            sa.select(o.org_drafts.c.person_id).where(o.org_drafts.c.id.in_([removed_filed, withdrawn_filed]))
        ).scalars()
        assert list(links) == [None, None]  # the filed application stays; only the link to the row went
    assert gone_staff not in _ids(rt, o.organisation_staff) and "t-gone" not in _ids(rt, o.api_tokens)
