"""What the organisation's pages say to its staff (issue 21): a missing photo is named as the person's (the form's
own message speaks to the applicant: "Add your photo."), the form to add a person comes before the list (with 20
people it was at the bottom of a page 15,900 px long at 375 px), and the dashboard says which period an approval
granted. The browser check (tests/browser/test_organisation_filing_pages.py) looks at the same in Vietnamese."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from journey import sign_code
from test_organisation_filing import a_draft, consenting_person, from_review, prepared_code
from test_organisation_people import add_person, signed_in_org

from intake.adapters.tables import applications

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)


@pytest.fixture
def org(app, rt):
    with time_machine.travel(TODAY, tick=True):
        yield signed_in_org(app, rt)


def test_a_draft_without_its_photo_names_the_person(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = a_draft(rt, org, pid, "AB00000001CD")
    page = org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    assert "Add a photo of PERSON AB00000001CD." in page and "Add your photo." not in page
    listed = org.post(
        "/org/drafts/sign", data={"batch_key": "3f1c6a5e-0b7e-4d55-9a52-1b8c9e0f2a12", "draft": [draft]}
    ).get_data(as_text=True)
    assert "Add a photo of PERSON AB00000001CD." in listed  # nothing prepared: the list says whose
    vi = org.get(f"/org/drafts/{draft}?lang=vi").get_data(as_text=True)
    assert "Thêm ảnh của PERSON AB00000001CD." in vi


def test_the_form_to_add_a_person_comes_before_the_list(org):
    for n in range(1, 4):
        add_person(org, card=f"AB0000000{n}CD", name=f"PERSON {n}")
    page = org.get("/org/people").get_data(as_text=True)
    assert page.index('id="add-person"') < page.index('id="f-person_name"') < page.index('class="card')
    assert "People on the list: 3" in page


def test_the_dashboard_says_the_period_an_approval_granted(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    application_id = sign_code(org, code, "silva").json["application_id"]
    with rt.engine.connect() as conn:
        owner = conn.execute(sa.select(applications.c.applicant_id)).scalar()
    section = org.get("/org/").get_data(as_text=True).split('id="filed"')[1]
    assert "Period of stay:" not in section  # not decided yet
    from_review(
        rt,
        "application.decided",
        {
            "application_id": application_id,
            "applicant_id": owner,
            "outcome": "approved",
            "procedure": "extension",
            "bureau": "tokyo",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P1Y3M",
            "period_of_stay_expiry": "2027-02-01",
            "card_by_mail": True,
            "fee_yen": 4000,
            "explanation": "",
            "decided_at": "2026-12-21T02:00:00+00:00",
        },
    )
    section = org.get("/org/").get_data(as_text=True).split('id="filed"')[1]
    assert "<strong>Approved</strong> · Period of stay: 1 year 3 months" in section, section[:1500]
    ja = org.get("/org/?lang=ja").get_data(as_text=True).split('id="filed"')[1]
    assert "1年3月" in ja or "1年3か月" in ja, ja[:1500]
