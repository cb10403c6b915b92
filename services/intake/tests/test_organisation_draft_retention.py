"""An organisation's unsigned drafts under a frozen clock (issue 21): a draft never signed goes 180 days after its last
change (made, or corrected on its page), as an applicant's own draft does (RULES draft_unsubmitted), and its uploads
go with it; while it lives, its uploads stay, however old (the purge of uploads whose draft is gone used to know
only applicants' drafts, and took an organisation draft's photo 180 days after it was uploaded)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from hostile_files import jpeg
from test_organisation_filing import a_draft, consenting_person, with_photo
from test_organisation_people import ROW, _admin_id, add_person, consent_by_document, signed_in_org

from intake.adapters.organisation_tables import org_drafts, people
from intake.adapters.tables import attachments
from intake.application import organisation_drafts
from intake.application import organisations as orgs
from intake.bootstrap import ports
from zairyu_shared.db import transaction

T0 = datetime(2026, 6, 1, 3, tzinfo=UTC)
CORRECTED = T0 + timedelta(days=100)
PHOTO = hashlib.sha256(jpeg()).hexdigest()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


def uploads(rt, draft_id) -> list[tuple[str, str, str]]:
    with rt.engine.connect() as conn:
        return [
            (r.kind, r.applicant_id, r.sha256)
            for r in conn.execute(sa.select(attachments).where(attachments.c.draft_id == draft_id))
        ]


def drafts_left(rt) -> set[str]:
    with rt.engine.connect() as conn:
        return set(conn.execute(sa.select(org_drafts.c.id)).scalars())


def test_an_unsigned_drafts_uploads_stay_while_it_lives_and_go_with_it(org, app, rt):
    # A person who consented from their own account: the draft is corrected 100 days later.
    own, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    corrected = a_draft(rt, org, own, "AB00000001CD")
    with_photo(org, corrected)
    # A person who consented with a signed document: the draft sits on the account held for them, never touched again.
    held_person = add_person(org, card="AB00000002CD", name="PERSON AB00000002CD")
    consent_by_document(org, held_person)
    untouched = a_draft(rt, org, held_person, "AB00000002CD")
    with_photo(org, untouched)
    [(_, own_account, _)] = uploads(rt, corrected)
    with rt.engine.connect() as conn:
        held_account = conn.execute(
            sa.select(people.c.held_applicant_id).where(people.c.id == held_person)
        ).scalar_one()
    assert ("photo", held_account, PHOTO) in uploads(rt, untouched)
    store = ports(rt).store
    with time_machine.travel(CORRECTED, tick=False), transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        fields = {k: ROW[k] for k in ("nationality", "place_of_birth", "marital_status", "occupation", "home_town")}
        organisation_drafts.correct(
            session,
            member,
            corrected,
            "personal",
            {**fields, "phone": "03-1111-2222", "passport_number": "C7654321", "passport_expiry": "2031-02-28"},
        )

    # A minute short of 180 days after the untouched draft was made: nothing goes.
    with time_machine.travel(T0 + timedelta(days=180, minutes=-1), tick=False):
        counts = rt.purge().counts
    assert counts.get("draft_unsubmitted", 0) == 0 and counts.get("attachment_unsubmitted", 0) == 0
    assert drafts_left(rt) == {corrected, untouched}

    # 180 days after: the untouched draft goes with its upload and its file; the corrected draft's photo, uploaded
    # as long ago, stays with its draft (before, it went as an orphan while the draft lived on).
    with time_machine.travel(T0 + timedelta(days=180, minutes=1), tick=False):
        counts = rt.purge().counts
    assert counts["draft_unsubmitted"] == 1 and counts.get("attachment_unsubmitted", 0) == 0
    assert drafts_left(rt) == {corrected}
    assert uploads(rt, untouched) == []
    assert not store.sealed_path(PHOTO, held_account).exists()
    assert uploads(rt, corrected) == [("photo", own_account, PHOTO)]
    assert store.get(PHOTO, own_account) == jpeg()

    # 180 days after its correction, the corrected draft goes too, its photo with it.
    with time_machine.travel(CORRECTED + timedelta(days=180, minutes=-1), tick=False):
        assert rt.purge().counts.get("draft_unsubmitted", 0) == 0
    assert uploads(rt, corrected) == [("photo", own_account, PHOTO)]
    with time_machine.travel(CORRECTED + timedelta(days=180, minutes=1), tick=False):
        counts = rt.purge().counts
    assert counts["draft_unsubmitted"] == 1
    assert drafts_left(rt) == set() and uploads(rt, corrected) == []
    assert not store.sealed_path(PHOTO, own_account).exists()


def test_a_filed_draft_is_not_an_unsigned_one(org, app, rt):
    """A filed draft is the record of what the organisation filed: it stays (with its roster entry or organisation,
    roster_entry_ended / organisation_use), and its uploads are its application's."""
    own, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = a_draft(rt, org, own, "AB00000001CD")
    with rt.engine.begin() as conn:
        conn.execute(
            org_drafts.update()
            .where(org_drafts.c.id == draft)
            .values(submitted_application_id="app-1", submitted_at=T0)
        )
    with time_machine.travel(T0 + timedelta(days=400), tick=False):
        assert rt.purge().counts.get("draft_unsubmitted", 0) == 0
    assert drafts_left(rt) == {draft}
