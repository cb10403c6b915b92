"""Consent recorded with a signed consent document alone (issue 21): staff record the person's signed consent (a PDF
or image, sealed under the roster entry's key) with the last day it covers; the organisation then files for the
person, who has no account of their own, on an account held for them; the document goes to the bureau with the
application; a withdrawal or the document's last day ends it, checked again when a signature arrives."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from hostile_files import jpeg, pdf
from intake_testkit import outbox_events
from journey import sign_code
from test_organisation_filing import a_draft, codes_on, from_review, sign_batch, with_photo
from test_organisation_people import add_person, make_org, sign_in, signed_in_org

from intake.adapters.organisation_tables import people
from intake.adapters.tables import applicants, applications, attachments

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # 12:00 in Japan
UNTIL = "2027-03-31"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


def record(org, pid, until=UNTIL, data=None, name="consent.pdf"):
    return org.post(
        f"/org/people/{pid}/consent-document",
        data={"document": (io.BytesIO(data if data is not None else pdf()), name), "consent_until": until},
        content_type="multipart/form-data",
    )


def row_of(rt, pid):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(people).where(people.c.id == pid)).one()


def test_staff_record_the_signed_consent_with_its_last_day_and_open_it_again(org, app, rt):
    pid = add_person(org, card="AB00000001CD")
    scan = pdf()
    r = record(org, pid, data=scan)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#person-{pid}")
    page = org.get("/org/people").get_data(as_text=True)
    card = page.split(f'id="person-{pid}"')[1].split("</li>")[0]
    assert "Signed consent document — until Mar 31, 2027" in card and "Open the consent document" in card
    assert "Ask for consent from their own account" not in card  # it is in force
    opened = org.get(f"/org/people/{pid}/consent-document")
    assert opened.status_code == 200 and opened.data == scan and opened.mimetype == "application/pdf"
    assert "sandbox" in opened.headers["Content-Security-Policy"] and opened.headers["Cache-Control"] == "no-store"
    found = row_of(rt, pid)
    assert (found.consent, found.consent_document_until) == ("document", date(2027, 3, 31))
    assert found.held_applicant_id  # where what is filed on it will sit
    # Another organisation neither opens nor withdraws it.
    other = app.test_client()
    _other, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.get(f"/org/people/{pid}/consent-document").status_code == 404
    assert other.post(f"/org/people/{pid}/consent-document/withdraw").status_code == 404
    assert row_of(rt, pid).consent == "document"


@pytest.mark.parametrize(
    "until, message",
    [
        ("2026-12-05", "The last day the consent covers cannot be in the past."),
        ("2031-12-07", "A consent document can cover at most 5 years from today."),
        ("", "This field is required."),
        ("31/03/2027", "Enter a date as YYYY-MM-DD"),
    ],
)
def test_the_last_day_is_checked_and_nothing_is_recorded_when_it_is_wrong(org, rt, until, message):
    pid = add_person(org, card="AB00000001CD")
    r = record(org, pid, until=until)
    assert r.status_code == 400
    card = r.get_data(as_text=True).split(f'id="person-{pid}"')[1].split("</li>")[0]
    assert message in card and 'aria-invalid="true"' in card  # on that person's form
    found = row_of(rt, pid)
    assert found.consent == "none" and found.consent_document_sha256 is None and found.held_applicant_id is None


def test_a_file_that_is_not_a_pdf_or_image_is_refused_on_the_persons_form(org, rt):
    pid = add_person(org, card="AB00000001CD")
    r = record(org, pid, data=b"MZ\x90\x00 not a pdf", name="x.pdf")
    assert r.status_code == 400 and f'id="doc-error-{pid}"' in r.get_data(as_text=True)
    assert row_of(rt, pid).consent == "none"


def test_no_document_while_the_persons_own_consent_from_their_account_stands(org, app, rt):
    from test_organisation_filing import consenting_person

    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    r = record(org, pid)
    assert r.status_code == 400
    assert "no consent document is needed while that consent stands" in r.get_data(as_text=True)
    assert row_of(rt, pid).consent == "account"


def filed_on_document(org, rt, card="AB00000001CD"):
    pid = add_person(org, card=card)
    assert record(org, pid).status_code == 302
    draft = a_draft(rt, org, pid, card)
    with_photo(org, draft)
    return pid, draft


def test_the_organisation_files_on_the_document_and_it_goes_to_the_bureau_with_the_application(org, app, rt):
    pid, draft = filed_on_document(org, rt)
    page = org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    assert "The signed consent document goes to the bureau with the application" in page
    assert "Before this draft can be signed" not in page and "Sign and file with my card" in page
    [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
    answer = sign_code(org, code, "silva")
    assert answer.status_code == 200 and answer.json["ok"], answer.json
    held = row_of(rt, pid).held_applicant_id
    [event] = outbox_events(rt, "application.submitted")
    data = event["payload"]
    assert data["applicant_id"] == held and data["filer"]["organisation_name"] == "Org of admin@sample.example"
    # The consent document is in the signed bytes and among the attachments the bureau fetches.
    signed = json.loads(base64.b64decode(data["signed_content_b64"]))
    kinds = {a["kind"]: a["sha256"] for a in signed["attachments"]}
    assert set(kinds) == {"photo", "consent_document"}
    assert {a["kind"] for a in data["attachments"]} == {"photo", "consent_document"}
    from intake.bootstrap import ports

    assert ports(rt).store.get(kinds["consent_document"]) == ports(rt).store.get(
        row_of(rt, pid).consent_document_sha256, pid
    )
    with rt.engine.connect() as conn:
        app_row = conn.execute(sa.select(applications)).one()
        account = conn.execute(sa.select(applicants).where(applicants.c.id == held)).one()
        copies = conn.execute(
            sa.select(attachments.c.applicant_id).where(attachments.c.kind == "consent_document")
        ).all()
    assert app_row.applicant_id == held and copies == [(held,)]
    # The held account has no way in: no password, no card, no address anyone could type.
    assert account.password_hash is None and account.cert_serial == "" and account.email == ""
    # Its notices go to the staff member who filed, in their language.
    [contact] = outbox_events(rt, "applicant.contact_changed")
    assert contact["payload"] == {"applicant_id": held, "email": "admin@sample.example", "language": "en"}
    assert account.language == "en" and data["language"] == "en"  # the staff member's (an English page)
    done = org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    assert "signed consent document attached" in done
    # The dashboard lists it under the person, and the bureau's document request is answered for them.
    from_review(
        rt,
        "application.documents_requested",
        {
            "application_id": app_row.id,
            "applicant_id": held,
            "request_id": "req-1",
            "items": [{"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"}],
            "message": "",
            "deadline": "2026-12-20",
        },
    )
    url = f"/org/applications/{app_row.id}/documents/req-1"
    assert url in org.get("/org/").get_data(as_text=True)
    up = org.post(url + "/upload", data={"file": (io.BytesIO(jpeg()), "tax.jpg")}, content_type="multipart/form-data")
    assert up.status_code == 302 and "error" not in up.headers["Location"]
    assert org.post(url + "/submit", data={"message": ""}).status_code == 302
    [answered] = outbox_events(rt, "application.documents_submitted")
    assert answered["payload"]["applicant_id"] == held


def test_after_its_last_day_nothing_is_prepared_and_a_code_handed_out_before_files_nothing(app, rt):
    with time_machine.travel(datetime(2026, 12, 6, 14, 50, tzinfo=UTC), tick=True):  # 23:50 in Japan
        org = signed_in_org(app, rt)
        pid = add_person(org, card="AB00000001CD")
        assert record(org, pid, until="2026-12-06").status_code == 302  # today (Japan) is its last day
        draft = a_draft(rt, org, pid, "AB00000001CD")
        with_photo(org, draft)
        [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
    with time_machine.travel(datetime(2026, 12, 6, 15, 2, tzinfo=UTC), tick=True):  # 00:02 the next day in Japan
        answer = sign_code(org, code, "silva")
        assert answer.status_code == 422 and answer.json["error"] == "org.error.no_consent"
        card = org.get("/org/people").get_data(as_text=True).split(f'id="person-{pid}"')[1].split("</li>")[0]
        assert "its last day has passed" in card and "Record the consent document" in card
        page = org.get(f"/org/drafts/{draft}").get_data(as_text=True)
        assert "has not consented to the organisation filing for them" in page
        assert sign_batch(org, [draft], key="0e6f3c1a-7d0b-4a55-9a52-1b8c9e0f2a12").status_code == 400
    assert outbox_events(rt, "application.submitted") == []


def test_staff_record_the_persons_withdrawal_and_nothing_more_is_filed_or_heard(org, app, rt):
    pid, draft = filed_on_document(org, rt)
    another = a_draft(rt, org, pid, "AB00000001CD")
    with_photo(org, another)
    [first, second] = codes_on(org.get(sign_batch(org, [draft, another]).headers["Location"]).data)
    assert sign_code(org, first, "silva").json["ok"]
    w = org.post(f"/org/people/{pid}/consent-document/withdraw")
    assert w.status_code == 302 and "withdrawn=1" in w.headers["Location"]
    assert row_of(rt, pid).consent == "withdrawn"
    assert org.post(f"/org/people/{pid}/consent-document/withdraw").status_code == 404  # once
    assert "Withdrawn by the person" in org.get("/org/people").get_data(as_text=True)
    answer = sign_code(org, second, "silva")
    assert answer.status_code == 422 and answer.json["error"] == "org.error.no_consent"
    # The application already filed stays; the organisation no longer answers for it.
    with rt.engine.connect() as conn:
        app_id = conn.execute(sa.select(applications.c.id)).scalar()
    from_review(
        rt,
        "application.documents_requested",
        {
            "application_id": app_id,
            "applicant_id": row_of(rt, pid).held_applicant_id,
            "request_id": "req-9",
            "items": [{"code": "tax_certificate", "description": "x"}],
            "message": "",
            "deadline": "2026-12-20",
        },
    )
    assert org.get(f"/org/applications/{app_id}/documents/req-9").status_code == 404
    # A new document later: the same held account carries on.
    held = row_of(rt, pid).held_applicant_id
    assert record(org, pid).status_code == 302
    assert row_of(rt, pid).held_applicant_id == held and row_of(rt, pid).consent == "document"


def test_the_held_account_goes_with_the_roster_entry_unless_an_application_is_on_it(org, rt):
    from datetime import timedelta

    unfiled = add_person(org, card="AB00000001CD")
    assert record(org, unfiled).status_code == 302
    draft = a_draft(rt, org, unfiled, "AB00000001CD")
    with_photo(org, draft)  # an upload on the held account, never filed
    filed, filed_draft = filed_on_document(org, rt, card="AB00000002CD")
    [code] = codes_on(org.get(sign_batch(org, [filed_draft]).headers["Location"]).data)
    assert sign_code(org, code, "silva").json["ok"]
    held = {pid: row_of(rt, pid).held_applicant_id for pid in (unfiled, filed)}
    for pid in (unfiled, filed):
        assert org.post(f"/org/people/{pid}/remove").status_code == 302
    with time_machine.travel(TODAY + timedelta(days=91), tick=False):
        counts = rt.purge().counts
    assert counts["roster_entry_ended"] == 3  # two roster rows and one held account
    with rt.engine.connect() as conn:
        accounts = set(conn.execute(sa.select(applicants.c.id)).scalars())
        keys = set(conn.execute(sa.text("SELECT subject FROM subject_keys")).scalars())
        uploads = set(conn.execute(sa.select(attachments.c.applicant_id)).scalars())
    assert held[unfiled] not in accounts and held[unfiled] not in keys and held[unfiled] not in uploads
    assert held[filed] in accounts and held[filed] in keys  # its application keeps it (case_closed decides)
