"""The organisation's pages as its staff read them (issue 21; seen on the browser journey of 20 extensions): the
person the bureau asks something of first on the dashboard, the header of a signed-in staff member, and the
invitation form naming the invitee's address."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from journey import sign_code
from test_organisation_filing import consenting_person, from_review, prepared_code
from test_organisation_people import signed_in_org

from intake.adapters.tables import applications

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # the drafts' stays end 2027-02-01: inside the extension window


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


def filed_section(client) -> str:
    return client.get("/org/").get_data(as_text=True).split('id="filed"')[1].split("</section>")[0]


def test_the_person_the_bureau_asks_something_of_comes_first_among_those_filed(org, app, rt):
    filed = {}
    for n in (1, 2, 3):
        card = f"AB0000000{n}CD"
        pid, _ = consenting_person(org, app, rt, card, f"p{n}@example.jp")
        _draft, code = prepared_code(org, rt, pid, card)
        filed[card] = sign_code(org, code, "silva").json["application_id"]
    names = re.compile(r"<h3>(PERSON AB\d{8}CD)</h3>")
    assert names.findall(filed_section(org)) == [f"PERSON AB0000000{n}CD" for n in (3, 2, 1)]  # newest first
    first = filed["AB00000001CD"]
    with rt.engine.connect() as conn:
        owner = conn.execute(sa.select(applications.c.applicant_id).where(applications.c.id == first)).scalar()
    from_review(
        rt,
        "application.documents_requested",
        {
            "application_id": first,
            "applicant_id": owner,
            "request_id": "req-1",
            "items": [{"code": "employment_certificate", "description": "在職証明書"}],
            "message": "",
            "deadline": "2026-12-20",
        },
    )
    # The oldest filing, now with a request and a deadline, is at the top; the rest keep their order.
    assert names.findall(filed_section(org)) == [f"PERSON AB0000000{n}CD" for n in (1, 3, 2)]


def test_a_signed_in_staff_member_has_their_dashboard_and_log_out_in_the_header_not_the_applicants_sign_in(org, app):
    header = org.get("/org/people").get_data(as_text=True).split("</header>")[0]
    assert 'href="/org/"' in header and 'action="/org/logout"' in header
    assert 'href="/login"' not in header and 'href="/register"' not in header
    anonymous = app.test_client().get("/org/login").get_data(as_text=True).split("</header>")[0]
    assert 'href="/login"' in anonymous and 'action="/org/logout"' not in anonymous
    assert org.post("/org/logout").status_code == 302
    assert 'href="/login"' in org.get("/org/login").get_data(as_text=True).split("</header>")[0]


def test_the_invitation_asks_for_the_staff_members_address_not_the_administrators(org):
    page = org.get("/org/staff", headers={"Accept-Language": "en"}).get_data(as_text=True)
    invite = page.split("Invite a staff member")[1]
    assert '<label for="f-email">E-mail address</label>' in invite and "(administrator)" not in invite
    refused = org.post("/org/staff", data={"email": "not an address", "language": "vi"})
    assert refused.status_code == 400
    summary = refused.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#f-email">E-mail address:' in summary and "(administrator)" not in summary


def test_a_filed_draft_counts_as_filed_not_as_a_draft_still_to_sign(org, app, rt):
    from test_organisation_filing import a_draft

    pid1, _ = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    pid2, _ = consenting_person(org, app, rt, "AB00000002CD", "p2@example.jp")
    _filed_draft, code = prepared_code(org, rt, pid1, "AB00000001CD")
    a_draft(rt, org, pid2, "AB00000002CD")
    page = org.get("/org/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Drafts: 2 ·" in page  # both still to sign
    assert sign_code(org, code, "silva").json["ok"]
    page = org.get("/org/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Drafts: 1 ·" in page  # the filed one is an application now
    soon = page.split('id="soon"')[1].split("</section>")[0]  # both stays end 2027-02-01, within 3 months
    person1 = soon.split("PERSON AB00000001CD")[1].split("</li>")[0]
    person2 = soon.split("PERSON AB00000002CD")[1].split("</li>")[0]
    assert "Extension of period of stay: Submitted" in person1 and "drafts:" not in person1
    assert "drafts: 1" in person2 and "Submitted" not in person2
