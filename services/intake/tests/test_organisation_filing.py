"""An organisation's staff sign and file its drafts (issue 21): each application signed separately with the staff
member's own card (simulated), a batch of codes for one card session, the organisation as filer on every
application, everything checked again when the signature arrives, and no organisation reaching another's drafts."""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from hostile_files import jpeg
from intake_testkit import HOLDERS, fake_signature, outbox_events
from journey import API, register, sign_code
from test_organisation_people import CORPORATE, ROW, _admin_id, add_person, make_org, sign_in, signed_in_org

from intake.adapters.organisation_tables import org_drafts, organisation_staff, organisations
from intake.adapters.tables import applications
from intake.application import organisation_api, organisation_drafts
from intake.application import organisations as orgs
from zairyu_shared.db import transaction
from zairyu_shared.events import parse_message

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # 12:00 in Japan; the rows' stays end 2027-02-01


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


def fake_signing(rt):
    """The fake signing service on the runtime's ports (intake_testkit puts it there)."""
    from intake.bootstrap import ports

    return ports(rt).signing


def consenting_person(org, app, rt, card, email):
    """A person on the roster who consented from their own account (registered with their own card)."""
    pid = add_person(org, card=card, name=f"PERSON {card}")
    link = org.post(f"/org/people/{pid}/consent-link")
    path = re.search(rb"http://intake\.test(/org/consent/[\w-]+)", link.data).group(1).decode()
    person = app.test_client()
    fake_signing(rt).holders[card] = {**HOLDERS["nguyen"], "name": f"PERSON {card}"}
    register(person, rt, holder=card, email=email)
    assert person.post(path).status_code == 200
    return pid, person


def a_draft(rt, org, pid, card):
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        fields = {k: v for k, v in ROW.items() if k != "card_number"}
        return organisation_drafts.create(rt, session, member, pid, "extension", fields)


def with_photo(org, draft_id):
    r = org.post(
        f"/org/drafts/{draft_id}/attachments",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and "upload_error" not in r.headers["Location"], r.headers.get("Location")


def sign_batch(org, draft_ids, key="3f1c6a5e-0b7e-4d55-9a52-1b8c9e0f2a11"):
    return org.post("/org/drafts/sign", data={"batch_key": key, "draft": draft_ids})


def codes_on(page: bytes) -> list[str]:
    return re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", page.decode())


def test_staff_sign_three_drafts_in_one_batch_and_each_is_filed_with_the_organisation_as_filer(org, app, rt):
    people = [consenting_person(org, app, rt, f"AB0000000{i}CD", f"p{i}@example.jp") for i in (1, 2, 3)]
    drafts = [a_draft(rt, org, pid, f"AB0000000{i}CD") for i, (pid, _c) in enumerate(people, start=1)]
    for d in drafts:
        with_photo(org, d)
    page = org.get(f"/org/drafts/{drafts[0]}").get_data(as_text=True)
    assert "Sign and file with my card" in page and "Before this draft can be signed" not in page
    r = sign_batch(org, drafts)
    assert r.status_code == 302 and "/org/signing/" in r.headers["Location"], r.data[:2000]
    batch_page = org.get(r.headers["Location"]).data
    codes = codes_on(batch_page)
    assert len(codes) == 3  # each application its own code, its own signature
    shown = re.search(r'<pre class="cmd">(.+?)</pre>', batch_page.decode(), re.S).group(1)
    command = re.sub(r"<[^>]+>", "", shown)  # as the page reads and copies
    assert command.startswith("zairyu-signer redeem ") and all(c in command for c in codes)
    assert all(f'<span class="nobreak">{c}</span>' in shown for c in codes)  # a line never breaks inside a code
    # The same batch key again (a double click) gives the same codes, not three more.
    assert codes_on(org.get(sign_batch(org, drafts).headers["Location"]).data) == codes
    # The staff member (SILVA MARIA, HR) signs each with their own card, one after the other.
    posted = {}
    for code in codes:
        content = base64.b64decode(org.get(f"/api/v1/signing-requests/{code}").json["content_b64"])
        posted[code] = {"signature_b64": base64.b64encode(fake_signature(content, "silva")).decode()}
        answer = sign_code(org, code, "silva")
        assert answer.status_code == 200 and answer.json["ok"], answer.json
    events = [parse_message(json.dumps(e)) for e in outbox_events(rt, "application.submitted")]
    assert len(events) == 3
    for event in events:
        data = event.data
        # The organisation files: its role, name and corporate number; the signer is the staff member's card.
        assert data["filer"]["role"] == "employer_staff"
        assert data["filer"]["organisation_name"] == "Org of admin@sample.example"
        assert data["filer"]["organisation_number"] == CORPORATE
        assert data["filer"]["name"] == "SILVA MARIA" and data["expected_holder"]["name"] == "SILVA MARIA"
        assert data["filer"]["applicant_name"] == "NGUYEN VAN A"
        signed = json.loads(base64.b64decode(data["signed_content_b64"]))
        assert signed["filer"]["organisation_id"] == org.org_id and signed["filer"]["role"] == "employer_staff"
        assert [a["kind"] for a in signed["attachments"]] == ["photo"]
        assert data["bureau"] == "tokyo"
    # Each application is the person's own: it is on their account.
    for (_pid, person), event in zip(people, events, strict=False):
        assert event.data["provisional_number"] in person.get("/applications").get_data(as_text=True)
    done = org.get(r.headers["Location"]).get_data(as_text=True)
    assert done.count("Filed. Provisional number") == 3 and "zairyu-signer redeem" not in done
    # The same signature posted again (the signer's retry) files nothing twice.
    again = org.post(f"/api/v1/signing-requests/{codes[0]}/signature", json=posted[codes[0]], headers=API)
    assert again.status_code == 200 and again.json["ok"]
    assert len(outbox_events(rt, "application.submitted")) == 3
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 3
        filed = conn.execute(sa.select(org_drafts.c.submitted_application_id, org_drafts.c.submitted_by)).all()
        keys = conn.execute(sa.select(applications.c.idempotency_key)).scalars().all()
    # What tells intake's consumer to look for the organisation's webhook on these applications' events.
    assert all(k.startswith(organisation_api.FILED_KEY_PREFIXES) for k in keys)
    assert all(f.submitted_application_id for f in filed) and {f.submitted_by for f in filed} == {
        _admin_id(rt, org.org_id)
    }
    assert "Filed" in org.get("/org/drafts").get_data(as_text=True)


def test_a_batch_with_one_draft_not_ready_prepares_nothing(org, app, rt):
    (p1, _), (p2, _) = (
        consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp"),
        consenting_person(org, app, rt, "AB00000002CD", "p2@example.jp"),
    )
    ready, no_photo = a_draft(rt, org, p1, "AB00000001CD"), a_draft(rt, org, p2, "AB00000002CD")
    with_photo(org, ready)
    r = sign_batch(org, [ready, no_photo])
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Nothing was prepared for signing" in page and "PERSON AB00000002CD" in page and "Photo" in page
    with rt.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM signing_requests WHERE purpose='org_submit'")).scalar() == 0
    assert sign_batch(org, []).status_code == 400


def test_a_signature_after_the_member_left_or_the_approval_lapsed_files_nothing(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = a_draft(rt, org, pid, "AB00000001CD")
    with_photo(org, draft)
    [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
    with transaction(rt.session_factory) as session:
        session.execute(
            organisation_staff.update()
            .where(organisation_staff.c.id == _admin_id(rt, org.org_id))
            .values(removed_at=datetime.now(UTC))
        )
    answer = sign_code(org, code, "silva")
    assert answer.status_code == 422 and answer.json["error"] == "org.error.staff_removed"
    assert outbox_events(rt, "application.submitted") == []
    # Lapsed approval: refused too (a second organisation, its own member).
    other = app.test_client()
    other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    other.org_id = other_id
    pid2, _ = consenting_person(other, app, rt, "AB00000002CD", "p2@example.jp")
    draft2 = a_draft(rt, other, pid2, "AB00000002CD")
    with_photo(other, draft2)
    [code2] = codes_on(other.get(sign_batch(other, [draft2]).headers["Location"]).data)
    with transaction(rt.session_factory) as session:  # its year ended yesterday (Japan's date): lapsed
        session.execute(
            organisations.update()
            .where(organisations.c.id == other_id)
            .values(approved_from=date(2025, 12, 6), approved_until=date(2026, 12, 5))
        )
    answer = sign_code(other, code2, "silva")
    assert answer.status_code == 422 and answer.json["error"] == "org.error.not_allowed"
    assert outbox_events(rt, "application.submitted") == []


def test_an_organisation_never_reaches_another_organisations_drafts_or_batches(org, app, rt):
    pid, _ = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft = a_draft(rt, org, pid, "AB00000001CD")
    with_photo(org, draft)
    batch_url = sign_batch(org, [draft]).headers["Location"]
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.get(f"/org/drafts/{draft}").status_code == 404
    assert other.get(batch_url).status_code == 404
    r = other.post(
        f"/org/drafts/{draft}/attachments",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 404
    assert sign_batch(other, [draft], key="9e4f5b0a-1c2d-4e3f-8a9b-0c1d2e3f4a5b").status_code == 404
    assert "PERSON AB00000001CD" not in other.get("/org/drafts").get_data(as_text=True)
    # Signed out: the sign-in page.
    anonymous = app.test_client()
    assert anonymous.get("/org/drafts").status_code == 302
    assert anonymous.get(f"/org/drafts/{draft}").status_code == 302


# -- ending the organisation's reach: removal from the roster, the person's withdrawal ------------------------
def prepared_code(org, rt, pid, card):
    draft = a_draft(rt, org, pid, card)
    with_photo(org, draft)
    [code] = codes_on(org.get(sign_batch(org, [draft], key=str(uuid.uuid4())).headers["Location"]).data)
    return draft, code


def test_a_person_removed_from_the_roster_can_no_longer_be_filed_for(org, app, rt):
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.post(f"/org/people/{pid}/remove").status_code == 404  # not theirs to remove
    assert "PERSON AB00000001CD" in org.get("/org/people").get_data(as_text=True)
    r = org.post(f"/org/people/{pid}/remove")
    assert r.status_code == 302
    assert "PERSON AB00000001CD" not in org.get("/org/people").get_data(as_text=True)
    assert org.post(f"/org/people/{pid}/remove").status_code == 404  # once
    # The code handed out before is refused when its signature arrives; no new draft, the old one not signable.
    answer = sign_code(org, code, "silva")
    assert answer.status_code == 422 and answer.json["error"] == "org.error.no_consent"
    assert outbox_events(rt, "application.submitted") == []
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        with pytest.raises(LookupError):
            organisation_drafts.create(rt, session, member, pid, "extension", {})
    assert "Sign and file with my card" not in org.get(f"/org/drafts/{draft}").get_data(as_text=True)


def test_the_person_withdraws_consent_from_their_own_account(org, app, rt):
    pid, person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    assert "Organisations filing for you" in person.get("/account").get_data(as_text=True)
    page = person.get("/org/consents").get_data(as_text=True)
    assert "Org of admin@sample.example" in page
    stranger = app.test_client()
    fake_signing(rt).holders["stranger"] = {**HOLDERS["nguyen"], "name": "SOMEONE ELSE"}
    register(stranger, rt, holder="stranger", email="stranger@example.jp")
    assert "Org of admin@sample.example" not in stranger.get("/org/consents").get_data(as_text=True)
    assert stranger.post(f"/org/consents/{pid}/withdraw").status_code == 404  # only the person's own consent
    assert org.post(f"/org/consents/{pid}/withdraw").status_code == 302  # staff have no applicant session
    assert person.post(f"/org/consents/{pid}/withdraw").status_code == 302
    assert "Org of admin@sample.example" not in person.get("/org/consents").get_data(as_text=True)
    assert person.post(f"/org/consents/{pid}/withdraw").status_code == 404  # once
    assert "Withdrawn by the person" in org.get("/org/people").get_data(as_text=True)
    answer = sign_code(org, code, "silva")
    assert answer.status_code == 422 and answer.json["error"] == "org.error.no_consent"
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        with pytest.raises(organisation_drafts.NotAllowed):
            organisation_drafts.create(rt, session, member, pid, "extension", {})
    assert app.test_client().get("/org/consents").status_code == 302  # signed out: the login page


# -- the dashboard: what is filed and what the bureau asks for, per person ---------------------------------------
def from_review(rt, event_type, payload):
    """An event from review, handled by intake's consumer in this thread (what the bus would deliver)."""
    from intake.application.inbound import on_application_event
    from zairyu_shared.events import new_event

    event = new_event(event_type, payload, source="review", correlation_id=payload["application_id"])
    with transaction(rt.session_factory) as session:
        on_application_event(rt, session, event)


def test_the_dashboard_shows_what_is_filed_and_what_the_bureau_asks_for_per_person(org, app, rt):
    filed = {}
    for card, email in (("AB00000001CD", "p1@example.jp"), ("AB00000002CD", "p2@example.jp")):
        pid, _ = consenting_person(org, app, rt, card, email)
        _draft, code = prepared_code(org, rt, pid, card)
        filed[card] = sign_code(org, code, "silva").json["application_id"]
    section = org.get("/org/").get_data(as_text=True).split('id="filed"')[1].split("</section>")[0]
    assert "PERSON AB00000001CD" in section and "PERSON AB00000002CD" in section
    assert "Documents requested" not in section
    with rt.engine.connect() as conn:
        owner = dict(conn.execute(sa.select(applications.c.id, applications.c.applicant_id)).all())
    app1 = filed["AB00000001CD"]
    now = datetime.now(UTC)
    common = {"application_id": app1, "applicant_id": owner[app1]}
    from_review(
        rt,
        "application.received",
        {
            **common,
            "receipt_number": "東オン-2026-000123",
            "bureau": "tokyo",
            "procedure": "extension",
            "received_at": now.isoformat(),
        },
    )
    from_review(
        rt,
        "application.documents_requested",
        {
            **common,
            "request_id": "req-1",
            "items": [{"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"}],
            "message": "",
            "deadline": "2026-12-20",
        },
    )
    section = org.get("/org/").get_data(as_text=True).split('id="filed"')[1].split("</section>")[0]
    assert "東オン-2026-000123" in section
    # The request is under the person it concerns, with what is asked for and by when; not under the other.
    person1 = section.split("PERSON AB00000001CD")[1].split("<h3>")[0]
    person2 = section.split("PERSON AB00000002CD")[1].split("<h3>")[0]
    assert "Documents requested (by Dec 20, 2026)" in person1 and "tax" in person1.lower()
    assert "Documents requested" not in person2
    # Another organisation's dashboard shows none of it.
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert "PERSON AB00000001CD" not in other.get("/org/").get_data(as_text=True)


# -- the same through the API: a token scoped to roster and drafts ------------------------------------------------
def test_an_api_client_prepares_and_files_with_a_token_for_roster_and_drafts(org, app, rt):
    import pyotp

    from intake.application import organisation_api

    pids = [consenting_person(org, app, rt, f"AB0000000{i}CD", f"p{i}@example.jp")[0] for i in (1, 2)]
    with rt.engine.connect() as conn:
        secret = conn.execute(
            sa.select(organisation_staff.c.totp_secret).where(organisation_staff.c.id == _admin_id(rt, org.org_id))
        ).scalar()
    with transaction(rt.session_factory) as session:
        token, _ = organisation_api.issue_token(
            rt,
            session,
            "admin@sample.example",
            "correct horse battery",
            pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)),
            ["roster", "drafts"],
        )
    api = app.test_client()  # no cookie: the bearer token only
    auth = {"Authorization": f"Bearer {token}"}
    fields = {k: v for k, v in ROW.items() if k != "card_number"}
    drafts = []
    for pid in pids:
        r = api.post(
            "/org/api/v1/drafts", json={"person_id": pid, "procedure": "extension", "fields": fields}, headers=auth
        )
        assert r.status_code == 201, r.json
        drafts.append(r.json["draft_id"])
    key = str(uuid.uuid4())
    r = api.post("/org/api/v1/signing-requests", json={"draft_ids": drafts, "batch_key": key}, headers=auth)
    assert r.status_code == 422 and set(r.json["drafts"]) == set(drafts)  # no photos yet: nothing prepared
    assert all(p["photo"] == "upload.photo_missing" for p in r.json["drafts"].values())
    for d in drafts:
        up = api.post(
            f"/org/api/v1/drafts/{d}/attachments",
            data={"kind": "photo", "file": (io.BytesIO(jpeg()), "p.jpg")},
            headers=auth,
            content_type="multipart/form-data",
        )
        assert up.status_code == 201, up.json
    r = api.post("/org/api/v1/signing-requests", json={"draft_ids": drafts, "batch_key": key}, headers=auth)
    assert r.status_code == 201 and [q["status"] for q in r.json["requests"]] == ["pending", "pending"]
    for q in r.json["requests"]:
        assert sign_code(api, q["code"], "silva").json["ok"]
    done = api.get(f"/org/api/v1/signing-requests/{key}", headers=auth).json["requests"]
    assert [q["status"] for q in done] == ["done", "done"] and all(q["provisional_number"] for q in done)
    filed = [e["payload"] for e in outbox_events(rt, "application.submitted")]
    assert {e["application_id"] for e in filed} == {q["application_id"] for q in done}
    assert {e["filer"]["organisation_number"] for e in filed} == {CORPORATE}
    # The token reaches nothing outside its scopes; another organisation's token reaches none of these.
    assert api.put("/org/api/v1/webhook", json={"url": "https://x.example/h"}, headers=auth).status_code == 403
    other = app.test_client()
    _other_id, other_secret = make_org(other, rt, email="admin@other.example")
    with transaction(rt.session_factory) as session:
        theirs, _ = organisation_api.issue_token(
            rt,
            session,
            "admin@other.example",
            "correct horse battery",
            pyotp.TOTP(other_secret).now(),
            ["roster", "drafts"],
        )
    them = {"Authorization": f"Bearer {theirs}"}
    assert api.get(f"/org/api/v1/signing-requests/{key}", headers=them).status_code == 404
    assert (
        api.post(
            "/org/api/v1/signing-requests", json={"draft_ids": drafts, "batch_key": str(uuid.uuid4())}, headers=them
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/org/api/v1/drafts/{drafts[0]}/attachments",
            data={"kind": "photo", "file": (io.BytesIO(jpeg()), "p.jpg")},
            headers=them,
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    spec = api.get("/org/api/v1/openapi.json").json
    assert "/org/api/v1/signing-requests" in spec["paths"] and "SigningRequestOut" in spec["components"]["schemas"]


def test_staff_answer_the_bureaus_document_request_for_the_person(org, app, rt):
    from hostile_files import pdf

    pid, person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    app_id = sign_code(org, code, "silva").json["application_id"]
    with rt.engine.connect() as conn:
        owner = conn.execute(sa.select(applications.c.applicant_id)).scalar()
    from_review(
        rt,
        "application.documents_requested",
        {
            "application_id": app_id,
            "applicant_id": owner,
            "request_id": "req-1",
            "items": [{"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"}],
            "message": "令和7年度分",
            "deadline": "2026-12-20",
        },
    )
    url = f"/org/applications/{app_id}/documents/req-1"
    assert url in org.get("/org/").get_data(as_text=True)  # the dashboard links to the answer
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.get(url).status_code == 404
    assert other.post(url + "/submit", data={"message": "x"}).status_code == 404
    page = org.get(url).get_data(as_text=True)
    assert "令和7年度分" in page and "PERSON AB00000001CD" in page
    nothing = org.post(url + "/submit", data={"message": "x"})
    assert "error=documents.none_attached" in nothing.headers["Location"]
    up = org.post(url + "/upload", data={"file": (io.BytesIO(pdf()), "tax.pdf")}, content_type="multipart/form-data")
    assert up.status_code == 302 and "error" not in up.headers["Location"]
    assert "tax.pdf" in org.get(url).get_data(as_text=True)
    sent = org.post(url + "/submit", data={"message": "R7 certificate attached"})
    assert sent.status_code == 302 and "answered=1" in sent.headers["Location"]
    [answer] = outbox_events(rt, "application.documents_submitted")
    assert answer["payload"]["applicant_id"] == owner and answer["payload"]["request_id"] == "req-1"
    assert [a["filename"] for a in answer["payload"]["attachments"]] == ["tax.pdf"]
    assert org.get(url).status_code == 404  # answered: no longer open
    section = org.get("/org/").get_data(as_text=True).split('id="filed"')[1].split("</section>")[0]
    assert "Documents requested" not in section
    # The person's own application page shows it answered, too (no open request left there).
    assert "Send the documents" not in person.get(f"/applications/{app_id}").get_data(as_text=True)


def test_after_the_person_withdraws_the_organisation_cannot_answer_for_them(org, app, rt):
    pid, person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    app_id = sign_code(org, code, "silva").json["application_id"]
    with rt.engine.connect() as conn:
        owner = conn.execute(sa.select(applications.c.applicant_id)).scalar()
    request = {"application_id": app_id, "applicant_id": owner, "request_id": "req-2", "message": ""}
    from_review(
        rt,
        "application.documents_requested",
        {**request, "items": [{"code": "tax_certificate", "description": "課税証明書"}], "deadline": "2026-12-20"},
    )
    url = f"/org/applications/{app_id}/documents/req-2"
    assert org.get(url).status_code == 200
    assert person.post(f"/org/consents/{pid}/withdraw").status_code == 302
    assert org.get(url).status_code == 404
    assert org.post(url + "/submit", data={"message": "x"}).status_code == 404
    # The application stays the person's: they still see the request on their own page.
    assert "Send the documents" in person.get(f"/applications/{app_id}").get_data(as_text=True)


def test_a_draft_not_filed_can_be_deleted_to_import_it_again_and_a_filed_one_stays(org, app, rt):
    pid, _ = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
    filed_draft, code = prepared_code(org, rt, pid, "AB00000001CD")
    assert sign_code(org, code, "silva").json["ok"]
    waiting, pending = prepared_code(org, rt, pid, "AB00000001CD")  # signing code handed out, not signed
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    assert other.post(f"/org/drafts/{waiting}/delete").status_code == 404
    assert org.post(f"/org/drafts/{filed_draft}/delete").status_code == 404  # the record of what was filed
    assert org.post(f"/org/drafts/{waiting}/delete").status_code == 302
    assert org.get(f"/org/drafts/{waiting}").status_code == 404
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM attachments WHERE draft_id = :d"), {"d": waiting}).scalar() == 0
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(org_drafts)).scalar() == 1
    # The code handed out for it files nothing now.
    assert org.get(f"/api/v1/signing-requests/{pending}").status_code in (404, 409, 410)
    assert len(outbox_events(rt, "application.submitted")) == 1
