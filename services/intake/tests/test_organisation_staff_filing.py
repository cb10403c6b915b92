"""An approved organisation's staff file drafts WITHOUT a card (issue 21): signed in with password + TOTP, a fresh
TOTP code at submission (one draft, or a batch of checked drafts), and each application travels with the staff
member's authentication (application.submitted v3) instead of a card signature. Refused, with a clear error and
nothing filed: a wrong, old or replayed code, a lapsed approval, a removed member, a withdrawn consent; the API the
same behind the ``filing`` scope."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import outbox_events
from pypdf import PdfReader
from test_organisation_filing import a_draft, consenting_person, with_photo
from test_organisation_people import CORPORATE, PASSWORD, _admin_id, make_org, sign_in, signed_in_org

from intake.adapters.organisation_tables import org_drafts, organisation_staff, organisations
from intake.adapters.tables import applications
from intake.application import organisation_api, organisation_filing, organisation_staff_filing
from intake.application import organisations as orgs
from zairyu_shared.db import transaction
from zairyu_shared.events import parse_message

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # 12:00 in Japan


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def org(app, rt, clock):
    return signed_in_org(app, rt)


def fresh_code(org, clock) -> str:
    """The code the authenticator shows half a minute later: a time step after the one used to sign in."""
    clock.shift(timedelta(seconds=31))
    return pyotp.TOTP(org.secret).now()


def ready_draft(org, app, rt, n: int) -> tuple[str, str, object]:
    card = f"AB0000000{n}CD"
    pid, person = consenting_person(org, app, rt, card, f"p{n}@example.jp")
    draft = a_draft(rt, org, pid, card)
    with_photo(org, draft)
    return pid, draft, person


def file(org, drafts, code, key="7d5c1f0e-2b8a-4c3d-9e6f-0a1b2c3d4e5f"):
    return org.post("/org/file", data={"batch_key": key, "draft": drafts, "code": code})


def submitted(rt) -> list:
    return [parse_message(json.dumps(e)) for e in outbox_events(rt, "application.submitted")]


def test_staff_file_one_draft_without_a_card_and_it_travels_with_their_authentication(org, app, rt, clock):
    from signing.domain import attestation

    _pid, draft, person = ready_draft(org, app, rt, 1)
    assert "File without a card" in org.get(f"/org/drafts/{draft}").get_data(as_text=True)
    page = org.get(f"/org/drafts/{draft}/file").get_data(as_text=True)
    assert "PERSON AB00000001CD" in page and "A new 6-digit code from your authenticator app" in page
    key = str(uuid.uuid4())
    r = file(org, [draft], fresh_code(org, clock), key)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/org/filed/{key}"), r.get_data(as_text=True)
    done = org.get(r.headers["Location"]).get_data(as_text=True)
    [event] = submitted(rt)
    data = event.data
    assert event.version == 3 and f"Filed. Provisional number: {data['provisional_number']}" in done
    # No card signature and no holder to expect: the staff session is the authentication.
    assert data["signature_cms_b64"] is None and data["expected_holder"] is None
    staff = data["authentication"]["organisation_staff"]
    assert data["authentication"]["method"] == "organisation_staff"
    assert staff["staff_id"] == _admin_id(rt, org.org_id) and staff["organisation_id"] == org.org_id
    assert staff["channel"] == "web"
    assert staff["signed_in_at"] <= staff["step_up_at"] <= data["submitted_at"]
    with rt.engine.connect() as conn:
        approval = conn.execute(
            sa.select(organisations.c.approved_from, organisations.c.approved_until).where(
                organisations.c.id == org.org_id
            )
        ).one()
    assert (staff["approval"]["approved_from"], staff["approval"]["approved_until"]) == tuple(approval)
    assert staff["approval"]["bureau"] == "tokyo"
    # Ids and times only: nothing personal about the member, no Individual Number anywhere.
    assert set(event.payload["authentication"]["organisation_staff"]) == {
        "staff_id",
        "organisation_id",
        "approval",
        "signed_in_at",
        "step_up_at",
        "channel",
    }
    assert "individual" not in json.dumps(event.payload).lower()
    # The organisation files: its role and number, in the event and in the bytes, with the session written there.
    assert data["filer"]["role"] == "employer_staff" and data["filer"]["organisation_number"] == CORPORATE
    content = base64.b64decode(data["signed_content_b64"])
    doc = json.loads(content)
    assert doc["filer"]["staff_id"] == staff["staff_id"] and doc["filer"]["organisation_id"] == org.org_id
    assert doc["authentication"] == event.payload["authentication"]
    # What the signing service will make of it: accepted as the organisation's staff filing.
    assert attestation.judge(data, content).accepted
    # The application is the person's own, on their account; the draft records who filed it.
    assert data["provisional_number"] in person.get("/applications").get_data(as_text=True)
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(org_drafts.c.submitted_application_id, org_drafts.c.submitted_by)).one()
        application_key = conn.execute(sa.select(applications.c.idempotency_key)).scalar_one()
    assert row == (data["application_id"], staff["staff_id"])
    # What tells intake's consumer to look for the organisation's webhook on this application's events.
    assert application_key.startswith(organisation_api.FILED_KEY_PREFIXES)
    # The person's printable copy says the bytes were submitted, not signed.
    copy = person.get(f"/applications/{data['application_id']}/copy.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(copy.data)).pages)
    assert "Submitted content SHA-256" in text and "Signed content" not in text
    # The same form posted again (Back, a double click): the same answer, nothing filed twice, no code needed.
    again = file(org, [draft], "", key)
    assert again.status_code == 302 and len(submitted(rt)) == 1


def test_a_batch_of_checked_drafts_is_listed_then_filed_together_with_one_code(org, app, rt, clock):
    drafts = [ready_draft(org, app, rt, n)[1] for n in (1, 2, 3)]
    listing = org.get("/org/drafts").get_data(as_text=True)
    assert "File the chosen drafts without a card" in listing
    page = org.post("/org/file/confirm", data={"draft": drafts[:2]}).get_data(as_text=True)
    assert "PERSON AB00000001CD" in page and "PERSON AB00000002CD" in page and "PERSON AB00000003CD" not in page
    assert org.post("/org/file/confirm", data={}).status_code == 400  # nothing chosen
    key = str(uuid.uuid4())
    r = file(org, drafts, fresh_code(org, clock), key)
    assert r.status_code == 302
    events = submitted(rt)
    assert len(events) == 3 and len({e.data["application_id"] for e in events}) == 3
    # One step-up for the batch: the same session and code time on each, each its own application and bytes.
    assert len({json.dumps(e.payload["authentication"], sort_keys=True) for e in events}) == 1
    done = org.get(r.headers["Location"]).get_data(as_text=True)
    assert done.count("Filed. Provisional number") == 3
    assert org.get(f"/org/filed/{uuid.uuid4()}").status_code == 404


def test_wrong_old_and_replayed_codes_are_refused_in_the_persons_language_and_file_nothing(org, app, rt, clock):
    _pid, draft, _person = ready_draft(org, app, rt, 1)
    org.set_cookie("zairyu_lang", "vi")  # the staff member reads Vietnamese
    # The code used to sign in, once more: already used.
    r = file(org, [draft], org.signed_in_code)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Mã này sai, đã quá cũ hoặc đã được dùng" in body and 'aria-invalid="true"' in body
    # A code from five minutes ago; a wrong one.
    old = pyotp.TOTP(org.secret).at(datetime.now(UTC) - timedelta(minutes=5))
    assert file(org, [draft], old).status_code == 400
    assert file(org, [draft], "000000" if old != "000000" else "111111").status_code == 400
    assert submitted(rt) == []
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(organisation_staff.c.failed_logins)).scalar() == 3  # counted: lockout applies
    # Two more wrong codes lock the account for 15 minutes, whatever the code.
    file(org, [draft], "123456")
    locked = file(org, [draft], "654321")
    assert "Quá nhiều lần thử thất bại: hãy thử lại sau 15 phút." in locked.get_data(as_text=True)
    assert file(org, [draft], fresh_code(org, clock)).status_code == 400
    assert submitted(rt) == []
    clock.shift(timedelta(minutes=16))
    assert file(org, [draft], pyotp.TOTP(org.secret).now()).status_code == 302
    assert len(submitted(rt)) == 1


def test_a_lapsed_approval_files_nothing(org, app, rt, clock):
    _pid, draft, _person = ready_draft(org, app, rt, 1)
    with transaction(rt.session_factory) as session:  # its year ended yesterday (Japan's date)
        session.execute(
            organisations.update()
            .where(organisations.c.id == org.org_id)
            .values(approved_from=date(2025, 12, 6), approved_until=date(2026, 12, 5))
        )
    r = file(org, [draft], fresh_code(org, clock))
    assert r.status_code == 403
    assert "Nothing can be filed in the organisation's name" in html.unescape(r.get_data(as_text=True))
    assert submitted(rt) == []


def test_a_removed_member_files_nothing(org, app, rt, clock):
    _pid, draft, _person = ready_draft(org, app, rt, 1)
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        session.execute(
            organisation_staff.update()
            .where(organisation_staff.c.id == member.staff_id)
            .values(removed_at=datetime.now(UTC))
        )
    # The page: signed out at once.
    r = file(org, [draft], fresh_code(org, clock))
    assert r.status_code == 302 and r.headers["Location"].endswith("/org/login")
    # A member removed while their request is under way: refused in the transaction that would file.
    with transaction(rt.session_factory) as session, pytest.raises(organisation_filing.NotReady) as refused:
        organisation_staff_filing.submit(
            rt,
            session,
            member,
            [draft],
            fresh_code(org, clock),
            signed_in_at=datetime.now(UTC) - timedelta(minutes=5),
            batch_key=str(uuid.uuid4()),
        )
    assert refused.value.problems == {draft: {"draft": "org.error.staff_removed"}}
    assert submitted(rt) == []


def test_a_withdrawn_consent_files_nothing(org, app, rt, clock):
    pid, draft, person = ready_draft(org, app, rt, 1)
    assert person.post(f"/org/consents/{pid}/withdraw").status_code == 302
    r = file(org, [draft], fresh_code(org, clock))
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Nothing was filed" in body and "PERSON AB00000001CD" in body
    assert submitted(rt) == []
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 0


def test_another_organisations_draft_is_not_found_before_any_code_is_read(org, app, rt, clock):
    _pid, draft, _person = ready_draft(org, app, rt, 1)
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.get(f"/org/drafts/{draft}/file").status_code == 404
    assert other.post("/org/file/confirm", data={"draft": [draft]}).status_code == 404
    assert file(other, [draft], "000000").status_code == 404
    with rt.engine.connect() as conn:  # no failure counted for the other organisation's member: nothing was tried
        counts = conn.execute(sa.select(organisation_staff.c.failed_logins)).scalars().all()
    assert set(counts) == {0}
    assert submitted(rt) == []


def token(org, scopes, clock) -> str:
    r = org.post(
        "/org/api/v1/tokens",
        json={
            "email": "admin@sample.example",
            "password": PASSWORD,
            "totp": fresh_code(org, clock),
            "scopes": scopes,
        },
    )
    assert r.status_code == 201, r.json
    return r.json["token"]


def test_the_api_files_without_a_card_behind_the_filing_scope(org, app, rt, clock):
    drafts = [ready_draft(org, app, rt, n)[1] for n in (1, 2)]
    spec = org.get("/org/api/v1/openapi.json").json
    assert spec["paths"]["/org/api/v1/submissions"]["post"]["operationId"] == "create_submissions"
    drafts_only = token(org, ["drafts"], clock)
    body = {"draft_ids": drafts, "batch_key": str(uuid.uuid4()), "totp": "000000"}
    refused = org.post("/org/api/v1/submissions", json=body, headers={"Authorization": f"Bearer {drafts_only}"})
    assert refused.status_code == 403 and refused.json == {
        "error": "org.api.scope",
        "needs": "filing",
        "message": "this token was not issued for the scope 'filing': ask POST /org/api/v1/tokens for it",
    }
    value = token(org, ["drafts", "filing"], clock)
    headers = {"Authorization": f"Bearer {value}"}
    wrong = org.post("/org/api/v1/submissions", json=body, headers=headers)
    assert wrong.status_code == 422 and wrong.json["error"] == "org.error.step_up"
    body["totp"] = fresh_code(org, clock)
    done = org.post("/org/api/v1/submissions", json=body, headers=headers)
    assert done.status_code == 201, done.json
    assert {f["draft_id"] for f in done.json["filed"]} == set(drafts)
    assert all(re.fullmatch(r"P-\S+", f["provisional_number"]) for f in done.json["filed"])
    events = submitted(rt)
    assert len(events) == 2 and {e.data["authentication"]["organisation_staff"]["channel"] for e in events} == {"api"}
    # signed_in_at is when the token was issued (password + TOTP).
    assert all(e.data["authentication"]["organisation_staff"]["signed_in_at"] < e.data["submitted_at"] for e in events)
    again = org.post("/org/api/v1/submissions", json=body, headers=headers)
    assert again.status_code == 200 and again.json["again"] and len(submitted(rt)) == 2


def test_a_person_who_consented_with_a_signed_document_is_filed_for_with_it_attached(org, app, rt, clock):
    from test_organisation_consent_documents import filed_on_document, row_of

    pid, draft = filed_on_document(org, rt)
    assert file(org, [draft], fresh_code(org, clock)).status_code == 302
    [event] = submitted(rt)
    held = row_of(rt, pid).held_applicant_id
    assert event.data["applicant_id"] == held and event.data["authentication"]["method"] == "organisation_staff"
    doc = json.loads(base64.b64decode(event.data["signed_content_b64"]))
    assert {a["kind"] for a in doc["attachments"]} == {"photo", "consent_document"}
    assert {a["kind"] for a in event.data["attachments"]} == {"photo", "consent_document"}
    [contact] = outbox_events(rt, "applicant.contact_changed")  # the held account's notices go to the staff member
    assert contact["payload"]["applicant_id"] == held and contact["payload"]["email"] == "admin@sample.example"
