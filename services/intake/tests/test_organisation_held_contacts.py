"""The notices of an application filed for a person without an account of their own (an account held for them, on
their signed consent document) go to the staff member who filed it (issue 21); once the organisation removes that
member, they go to its administrator, in the administrator's language. The person's own account is theirs: never
re-pointed; a held account the administrator filed for last was theirs already."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from journey import sign_code
from test_organisation_filing import a_draft, codes_on, consenting_person, sign_batch, with_photo
from test_organisation_people import add_person, consent_by_document, sign_in, signed_in_org

from intake.adapters.organisation_tables import people
from intake.adapters.tables import applicants, applications

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)
ADMIN = "admin@sample.example"
KIM = "kim@sample.example"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt, ADMIN)


def invite(org, app, rt, email, language):
    """A staff member invited in ``language``, joined and signed in: (their client, their staff id)."""
    assert org.post("/org/staff", data={"email": email, "language": language}).status_code == 302
    [invited] = [e for e in outbox_events(rt, "organisation.staff_invited") if e["payload"]["email"] == email]
    link = invited["payload"]["invite_url"].split("http://intake.test")[1]
    member = app.test_client()
    joined = member.post(link, data={"password": "another long password"})
    secret = re.search(rb"<code>([A-Z2-7]+)</code>", joined.data).group(1).decode()
    assert sign_in(member, email, secret, "another long password").status_code == 302
    return member, invited["payload"]["applicant_id"]


def file(client, rt, draft) -> None:
    """The draft signed and filed by whoever ``client`` is signed in as, with their card."""
    batch = sign_batch(client, [draft], key=str(uuid.uuid4()))
    [code] = codes_on(client.get(batch.headers["Location"]).data)
    answer = sign_code(client, code, "silva")
    assert answer.status_code == 200 and answer.json["ok"], answer.json


def on_document(org, rt, card):
    pid = add_person(org, card=card, name=f"PERSON {card}")
    consent_by_document(org, pid)
    draft = a_draft(rt, org, pid, card)
    with_photo(org, draft)
    with rt.engine.connect() as conn:
        held = conn.execute(sa.select(people.c.held_applicant_id).where(people.c.id == pid)).scalar_one()
    return draft, held


def contacts(rt) -> list[dict]:
    return [e["payload"] for e in outbox_events(rt, "applicant.contact_changed")]


def language_of(rt, account_id) -> str:
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(applicants.c.language).where(applicants.c.id == account_id)).scalar_one()


def test_a_removed_filers_notices_go_to_the_administrator_in_their_language(org, app, rt):
    kim, kim_id = invite(org, app, rt, KIM, "vi")
    # Kim files for a person on a consent document; the administrator for another; Kim for a person with an account.
    kims_draft, kims_held = on_document(org, rt, "AB00000001CD")
    admins_draft, admins_held = on_document(org, rt, "AB00000002CD")
    own, _person = consenting_person(org, app, rt, "AB00000003CD", "p3@example.jp")
    own_draft = a_draft(rt, org, own, "AB00000003CD")
    with_photo(org, own_draft)
    file(kim, rt, kims_draft)
    file(org, rt, admins_draft)
    file(kim, rt, own_draft)
    before = contacts(rt)
    admin_language = next(p["language"] for p in before if p["applicant_id"] == admins_held)
    assert {(p["applicant_id"], p["email"], p["language"]) for p in before} == {
        (kims_held, KIM, "vi"),
        (admins_held, ADMIN, admin_language),
    }
    assert admin_language != "vi" and language_of(rt, kims_held) == "vi"

    # Removing a member who filed nothing for a held account changes nobody's notices.
    _lee, lee_id = invite(org, app, rt, "lee@sample.example", "ko")
    assert org.post(f"/org/staff/{lee_id}/remove").status_code == 302
    assert contacts(rt) == before

    # Kim leaves: the notices of what Kim filed on the held account go to the administrator, in their language.
    assert org.post(f"/org/staff/{kim_id}/remove").status_code == 302
    after = contacts(rt)
    assert after[: len(before)] == before
    assert after[len(before) :] == [{"applicant_id": kims_held, "email": ADMIN, "language": admin_language}]
    assert language_of(rt, kims_held) == admin_language  # (the person with an account: no event, checked above)


def test_the_last_filer_counts_and_a_held_account_without_its_roster_entry_too(org, app, rt):
    """The notices follow the last filing (held_contact at each): a person Kim filed for and the administrator filed
    for afterwards is the administrator's already. A held account whose roster entry is gone (its application keeps
    it) still has Kim's address, and is re-pointed like any other."""
    kim, kim_id = invite(org, app, rt, KIM, "vi")
    first, held = on_document(org, rt, "AB00000001CD")
    file(kim, rt, first)
    gone_draft, gone_held = on_document(org, rt, "AB00000002CD")
    file(kim, rt, gone_draft)
    with rt.engine.connect() as conn:
        gone = conn.execute(sa.select(people.c.id).where(people.c.held_applicant_id == gone_held)).scalar_one()
    assert org.post(f"/org/people/{gone}/remove").status_code == 302
    with time_machine.travel(TODAY + timedelta(days=91), tick=False):  # roster_entry_ended: the account is left
        assert rt.purge().counts["roster_entry_ended"] == 1
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(applicants.c.id).where(applicants.c.id == gone_held)).first()
    # Later the administrator files for the first person (a new consent document, another procedure's draft).
    with rt.engine.connect() as conn:
        pid = conn.execute(sa.select(people.c.id).where(people.c.held_applicant_id == held)).scalar_one()
    second = a_draft(rt, org, pid, "AB00000001CD")
    with rt.engine.begin() as conn:  # the first application was decided; a second filing for the same person
        conn.execute(applications.update().where(applications.c.applicant_id == held).values(status="approved"))
    with_photo(org, second)
    file(org, rt, second)
    assert contacts(rt)[-1]["applicant_id"] == held and contacts(rt)[-1]["email"] == ADMIN
    before = contacts(rt)
    assert org.post(f"/org/staff/{kim_id}/remove").status_code == 302
    assert [p["applicant_id"] for p in contacts(rt)[len(before) :]] == [gone_held]
    assert contacts(rt)[-1]["email"] == ADMIN
