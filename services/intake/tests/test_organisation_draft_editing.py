"""Staff correct one draft on the organisation's page (issue 21): drafts come from a CSV or the API; a field found
wrong is corrected in its part of the form with the form's own checks and errors per field in the staff member's
language, before signing. Nothing is saved while a value is refused; the card number (the roster person) and the
filer section (the organisation) are not corrected here; another organisation's or a filed draft is not found."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from journey import sign_code
from test_organisation_filing import codes_on, consenting_person, sign_batch, with_photo
from test_organisation_people import ROW, _admin_id, make_org, sign_in, signed_in_org

from intake.adapters.organisation_tables import org_drafts
from intake.application import organisation_drafts
from intake.application import organisations as orgs
from zairyu_shared.db import transaction

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


def draft_with(rt, org, pid, **changes):
    """A draft as the API makes it (no completeness check): ROW with ``changes`` (None drops a field)."""
    fields = {k: v for k, v in {**ROW, **changes}.items() if v is not None}
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        return organisation_drafts.create(rt, session, member, pid, "extension", fields)


def data_of(rt, draft_id):
    with rt.engine.connect() as conn:
        return json.loads(conn.execute(sa.select(org_drafts.c.data).where(org_drafts.c.id == draft_id)).scalar())


def test_a_problem_on_the_draft_page_leads_to_its_field_and_is_corrected_there(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = draft_with(rt, org, pid, passport_number=None, passport_expiry="2031-02-30")
    page = org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert f"/org/drafts/{draft}/sections/personal#f-passport_number" in summary
    assert f"/org/drafts/{draft}/sections/personal#f-passport_expiry" in summary
    listed = page.split('id="form-sections"')[1].split("</section>")[0]
    assert "sections/personal" in listed and "sections/stay" in listed and "sections/filer" not in listed
    form_page = org.get(f"/org/drafts/{draft}/sections/personal")
    assert form_page.status_code == 200
    text = form_page.get_data(as_text=True)
    assert 'name="passport_expiry"' in text and 'value="2031-02-30"' in text and 'name="phone"' in text
    # A value its field refuses: nothing is saved, the errors are per field, the typed values stay.
    fields = {k: ROW[k] for k in ("nationality", "place_of_birth", "marital_status", "occupation", "home_town")}
    bad = org.post(
        f"/org/drafts/{draft}/sections/personal",
        data={**fields, "phone": "090-1234-5678", "passport_number": "", "passport_expiry": "next year"},
    )
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD" in body and 'value="next year"' in body and 'aria-invalid="true"' in body
    assert '<p class="error" id="e-passport_number">This field is required.</p>' in body
    assert data_of(rt, draft)["passport_expiry"] == "2031-02-30" and "passport_number" not in data_of(rt, draft)
    good = org.post(
        f"/org/drafts/{draft}/sections/personal",
        data={**fields, "phone": "03-1111-2222", "passport_number": "C7654321", "passport_expiry": "2031-02-28"},
    )
    assert good.status_code == 302 and good.headers["Location"].endswith("corrected=personal#form-sections")
    data = data_of(rt, draft)
    assert (data["passport_number"], data["passport_expiry"]) == ("C7654321", "2031-02-28")
    assert data["phone"] == "03-1111-2222"
    assert data["organisation_name"] == "Org of admin@sample.example"  # the filer section untouched
    after = org.get(good.headers["Location"]).get_data(as_text=True)
    assert "Saved: " in after
    assert "passport_expiry" not in after.split("Before this draft can be signed")[-1].split("</div>")[0]


def test_errors_come_in_the_staff_members_language(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = draft_with(rt, org, pid)
    org.get("/?lang=vi")
    bad = org.post(f"/org/drafts/{draft}/sections/stay", data={"current_status": "engineer_humanities"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert '<html lang="vi"' in body and "This field is required." not in body
    assert "Vui lòng" in body or "bắt buộc" in body  # the Vietnamese catalog's required-field message


def test_the_card_number_and_the_filer_are_not_corrected_in_a_draft(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = draft_with(rt, org, pid)
    assert org.get(f"/org/drafts/{draft}/sections/filer").status_code == 404
    stay = org.get(f"/org/drafts/{draft}/sections/stay").get_data(as_text=True)
    assert 'name="card_number"' not in stay and "AB00000001CD" in stay
    r = org.post(
        f"/org/drafts/{draft}/sections/stay",
        data={
            "current_status": "engineer_humanities",
            "period_of_stay": "P3Y",
            "period_expiry": "2027-02-01",
            "card_number": "ZZ99999999ZZ",
        },
    )
    assert r.status_code == 302
    assert data_of(rt, draft)["card_number"] == "AB00000001CD" and data_of(rt, draft)["period_of_stay"] == "P3Y"


def test_another_organisations_draft_a_filed_one_and_a_withdrawn_person_are_refused(org, app, rt):
    pid, person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = draft_with(rt, org, pid)
    other = app.test_client()
    _other, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.get(f"/org/drafts/{draft}/sections/personal").status_code == 404
    assert other.post(f"/org/drafts/{draft}/sections/personal", data={"occupation": "x"}).status_code == 404
    before = data_of(rt, draft)
    # Filed: the record of what was filed, not corrected any more.
    with_photo(org, draft)
    [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
    assert sign_code(org, code, "silva").json["ok"]
    assert org.get(f"/org/drafts/{draft}/sections/personal").status_code == 404
    assert org.post(f"/org/drafts/{draft}/sections/personal", data={"occupation": "x"}).status_code == 404
    assert 'id="form-sections"' not in org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    assert data_of(rt, draft) == before
    # After the person withdraws, a draft for them is not corrected either.
    second = draft_with(rt, org, pid)
    assert person.post(f"/org/consents/{pid}/withdraw").status_code == 302
    r = org.post(f"/org/drafts/{second}/sections/personal", data={**ROW, "occupation": "changed"})
    assert r.status_code == 400 and "has not consented" in r.get_data(as_text=True)
    assert data_of(rt, second)["occupation"] == "engineer"
