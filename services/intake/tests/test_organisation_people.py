"""Organisations' staff, people, drafts, API and webhooks (issue 21).

Staff removal, consent, CSV errors (nothing half-imported), reminders with a frozen clock, scoped tokens, an
organisation never reaching another's people, and decision webhooks against a receiver that fails twice.
"""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from hostile_files import pdf
from intake_testkit import decide_organisation_use, outbox_events
from journey import register

from intake.adapters.organisation_tables import (
    org_drafts,
    organisation_staff,
    people,
    reminders,
)
from intake.application import organisation_api, organisation_people
from intake.application import organisations as orgs
from intake.domain import organisations as rules
from intake.domain import webhooks
from zairyu_shared.db import transaction

CORPORATE = "7123456789012"
PASSWORD = "correct horse battery"


def make_org(client, rt, email="admin@sample.example", address="東京都港区港南5-5-30", approved=True):
    r = client.post(
        "/org/apply",
        data={
            "name": f"Org of {email}",
            "kind": "employer",
            "address": address,
            "corporate_number": CORPORATE,
            "email": email,
            "password": PASSWORD,
        },
    )
    assert r.status_code == 200, r.data
    with rt.engine.connect() as conn:
        org_id, secret = conn.execute(
            sa.select(organisation_staff.c.organisation_id, organisation_staff.c.totp_secret).where(
                organisation_staff.c.email_lookup == _lookup(rt, email)
            )
        ).one()
    if approved:
        decide_organisation_use(rt, org_id)
    return org_id, secret


def _lookup(rt, email):
    from intake.application.accounts import email_lookup

    return email_lookup(rt, email)


def sign_in(client, email, secret, password=PASSWORD):
    return client.post("/org/login", data={"email": email, "password": password, "code": pyotp.TOTP(secret).now()})


def add_person(client, card="AB12345678CD", expiry="2027-02-01", name="NGUYEN VAN A"):
    r = client.post(
        "/org/people",
        data={
            "name": name,
            "status": "engineer_humanities",
            "period_of_stay": "3 years",
            "period_expiry": expiry,
            "card_number": card,
            "nationality": "Viet Nam",
        },
    )
    assert r.status_code == 302, r.data
    return person_id(client.application, card)


def person_id(app, card):
    rt = app.extensions["zairyu_runtime"]
    with transaction(rt.session_factory) as session:
        for row in session.execute(sa.select(people)).all():
            if row.card_number == card:
                return row.id
    return None


def consent_by_document(client, pid, until: str | None = None):
    """The person's signed consent (a PDF) recorded by staff, covering a year from today unless ``until``."""
    r = client.post(
        f"/org/people/{pid}/consent-document",
        data={
            "document": (io.BytesIO(pdf()), "consent.pdf"),
            "consent_until": until or (date.today() + timedelta(days=365)).isoformat(),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.data


def signed_in_org(app, rt, email="admin@sample.example"):
    """A new approved organisation's administrator, signed in with password + TOTP: their client, carrying the
    organisation's ``org_id`` (what the filing helpers read), the authenticator ``secret`` and the
    ``signed_in_code`` (the code sign-in took: used once, refused after)."""
    client = app.test_client()
    org_id, secret = make_org(client, rt, email=email)
    client.signed_in_code = pyotp.TOTP(secret).now()
    assert sign_in(client, email, secret).status_code == 302
    client.org_id, client.secret = org_id, secret
    return client


@pytest.fixture
def org(app, rt):
    return signed_in_org(app, rt)


# -- staff ------------------------------------------------------------------------------------------------
def test_an_invited_member_joins_and_a_removed_member_is_out_at_once(org, app, rt):
    r = org.post("/org/staff", data={"email": "kim@sample.example", "language": "ko"})
    assert r.status_code == 302
    [invited] = outbox_events(rt, "organisation.staff_invited")
    assert invited["payload"]["language"] == "ko" and invited["payload"]["email"] == "kim@sample.example"
    link = invited["payload"]["invite_url"].split("http://intake.test")[1]
    member = app.test_client()
    assert member.get(link).status_code == 200
    assert member.post(link, data={"password": "short"}).status_code == 400  # the link is not spent by that
    joined = member.post(link, data={"password": "another long password"})
    assert joined.status_code == 200 and b"authenticator" in joined.data
    assert member.post(link, data={"password": "another long password"}).status_code == 400  # used once
    secret = re.search(rb"<code>([A-Z2-7]+)</code>", joined.data).group(1).decode()
    assert sign_in(member, "kim@sample.example", secret, "another long password").status_code == 302
    assert member.get("/org/").status_code == 200
    assert member.get("/org/staff").status_code == 403  # only the administrator manages staff
    with transaction(rt.session_factory) as session:
        token, _ = organisation_api.issue_token(
            rt,
            session,
            "kim@sample.example",
            "another long password",
            pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)),
            ["roster"],
        )
    api = {"Authorization": f"Bearer {token}"}
    assert member.get("/org/api/v1/people", headers=api).status_code == 200
    staff_id = invited["payload"]["applicant_id"]
    assert org.post(f"/org/staff/{staff_id}/remove").status_code == 302
    # Switched off at once: the open session, the API token and the password all stop working.
    assert member.get("/org/").status_code == 302
    assert member.get("/org/api/v1/people", headers=api).status_code == 401
    assert sign_in(member, "kim@sample.example", secret, "another long password").status_code == 401
    assert org.get("/org/").status_code == 200  # the administrator is still in


def test_an_administrator_cannot_remove_anothers_staff(app, rt, org):
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    with rt.engine.connect() as conn:
        theirs = conn.execute(
            sa.select(organisation_staff.c.id).where(
                organisation_staff.c.email_lookup == _lookup(rt, "admin@other.example")
            )
        ).scalar()
    assert org.post(f"/org/staff/{theirs}/remove").status_code == 404
    assert sign_in(other, "admin@other.example", secret).status_code == 302


# -- people and consent ------------------------------------------------------------------------------------
def test_the_roster_is_encrypted_and_consent_comes_from_the_persons_own_account(org, app, rt):
    pid = add_person(org)
    with rt.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT card_number, name FROM organisation_people")).one()
    assert b"AB12345678CD" not in bytes(raw[0]) and b"NGUYEN" not in bytes(raw[1])
    # No consent yet: no draft for them.
    with transaction(rt.session_factory) as session:
        member = orgs.active_member(session, _admin_id(rt, org.org_id))
        from intake.application import organisation_drafts

        with pytest.raises(organisation_drafts.NotAllowed):
            organisation_drafts.create(rt, session, member, pid, "extension", {})
    link = org.post(f"/org/people/{pid}/consent-link")
    path = re.search(rb"http://intake\.test(/org/consent/[\w-]+)", link.data).group(1).decode()
    person = app.test_client()
    assert person.get(path).status_code == 302  # signed in to their own account first
    register(person, rt)
    page = person.get(path)
    assert page.status_code == 200 and b"NGUYEN VAN A" in page.data
    assert person.post(path).status_code == 200
    assert person.get(path).status_code == 404  # spent
    with transaction(rt.session_factory) as session:
        assert organisation_people.has_consent(session, org.org_id, pid)
        row = organisation_people.get(session, org.org_id, pid)
        assert row.consent == "account" and row.consent_applicant_id


def test_a_signed_consent_document_is_checked_like_every_upload(org, rt):
    pid = add_person(org)
    bad = org.post(
        f"/org/people/{pid}/consent-document",
        data={"document": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    consent_by_document(org, pid)
    with transaction(rt.session_factory) as session:
        assert organisation_people.get(session, org.org_id, pid).consent == "document"


def _admin_id(rt, org_id):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(organisation_staff.c.id).where(
                organisation_staff.c.organisation_id == org_id, organisation_staff.c.is_admin
            )
        ).scalar()


def test_an_organisation_never_reaches_another_organisations_people(org, app, rt):
    pid = add_person(org, name="MINE PERSON")
    other = app.test_client()
    _other_id, secret = make_org(other, rt, email="admin@other.example")
    sign_in(other, "admin@other.example", secret)
    for url in (f"/org/people/{pid}/consent-link",):
        assert other.post(url).status_code == 404
    r = other.post(
        f"/org/people/{pid}/consent-document",
        data={"document": (io.BytesIO(pdf()), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 404
    for page in ("/org/", "/org/people"):
        assert b"MINE PERSON" not in other.get(page).data
    # Nor through the API, whatever its scopes.
    with transaction(rt.session_factory) as session:
        token, _ = organisation_api.issue_token(
            rt,
            session,
            "admin@other.example",
            PASSWORD,
            pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)),
            ["roster", "drafts"],
        )
    api = {"Authorization": f"Bearer {token}"}
    assert b"MINE PERSON" not in other.get("/org/api/v1/people", headers=api).data
    r = other.post("/org/api/v1/drafts", json={"person_id": pid, "procedure": "extension"}, headers=api)
    assert r.status_code == 404
    csv_body = "card_number,procedure\nAB12345678CD,extension\n"
    r = other.post("/org/api/v1/drafts/csv", data=csv_body, headers={**api, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.get_json()["rows"][0]["errors"]["card_number"] == "org.error.not_on_roster"
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(org_drafts)).scalar() == 0


# -- the dashboard and reminders ------------------------------------------------------------------------------
def test_dashboard_shows_whose_stay_ends_within_three_months(app, rt):
    with time_machine.travel(datetime(2026, 12, 6, 3, tzinfo=UTC), tick=True):  # 12:00 in Japan
        org = app.test_client()
        _org_id, secret = make_org(org, rt)
        sign_in(org, "admin@sample.example", secret)
        add_person(org, card="AB00000001CD", expiry="2027-03-06", name="SOON PERSON")
        add_person(org, card="AB00000002CD", expiry="2027-03-07", name="LATER PERSON")
        page = org.get("/org/").get_data(as_text=True)
    soon = page.split('id="soon"')[1].split("</section>")[0]
    assert "SOON PERSON" in soon and "LATER PERSON" not in soon


def test_reminders_go_90_60_and_30_days_before_once_each_in_the_members_language(org, rt):
    assert rules.reminder_due(date(2027, 3, 1), date(2027, 1, 10), set()) == 60  # 50 days left: not the 90 too
    pid = add_person(org, expiry="2027-03-06")
    with transaction(rt.session_factory) as session:
        session.execute(organisation_staff.update().values(language="vi"))

    def run(day):
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)  # 10:00 JST
        with time_machine.travel(at, tick=False), transaction(rt.session_factory) as session:
            return organisation_people.send_reminders(rt, session)

    assert run(date(2026, 12, 5)) == 0  # 91 days before
    assert run(date(2026, 12, 6)) == 1  # 90 days before, Japan's date
    assert run(date(2026, 12, 6)) == 0 and run(date(2026, 12, 20)) == 0  # once
    assert run(date(2027, 1, 5)) == 1  # 60
    assert run(date(2027, 2, 4)) == 1  # 30
    assert run(date(2027, 2, 5)) == 0 and run(date(2027, 3, 7)) == 0
    sent = outbox_events(rt, "organisation.stay_reminder_due")
    assert [e["payload"]["days_before"] for e in sent] == [90, 60, 30]
    assert {e["payload"]["language"] for e in sent} == {"vi"} and sent[0]["payload"]["person_name"] == "NGUYEN VAN A"
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(reminders).where(reminders.c.person_id == pid)).scalar()
            == 3
        )


# -- many at once: CSV --------------------------------------------------------------------------------------
ROW = {
    "applicant_name": "NGUYEN VAN A",
    "applicant_date_of_birth": "1995-04-01",
    "applicant_sex": "male",
    "applicant_address": "東京都港区港南1-1-1",
    "criminal_record": "no",
    "current_status": "engineer_humanities",
    "home_town": "Hanoi",
    "marital_status": "single",
    "nationality": "Viet Nam",
    "occupation": "engineer",
    "passport_expiry": "2031-01-01",
    "passport_number": "C1234567",
    "period_expiry": "2027-02-01",
    "period_of_stay": "3 years",
    "phone": "090-1234-5678",
    "place_of_birth": "Hanoi",
    "reason": "continue work",
    "employer_phone": "03-1234-5678",
    "industry": "G",
    "employees": "120",
    "contract_from": "2024-04-01",
    "job_description": "software",
    "monthly_salary_yen": "300000",
}


def csv_of(rows):
    columns = ["card_number", "procedure", *ROW]
    lines = [",".join(columns)] + [",".join(str(r.get(c, "")) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _people_with_consent(org, n):
    cards = [f"AB{i:08d}CD" for i in range(1, n + 1)]
    for card in cards:
        consent_by_document(org, add_person(org, card=card))
    return cards


def test_twenty_drafts_from_a_csv_carry_the_organisation_as_filer(org, rt):
    cards = _people_with_consent(org, 20)
    r = org.post(
        "/org/drafts/import",
        data={
            "file": (
                io.BytesIO(csv_of([{**ROW, "card_number": c, "procedure": "extension"} for c in cards])),
                "batch.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and b"20" in r.data, r.data
    with transaction(rt.session_factory) as session:
        made = organisation_people.drafts_of(session, org.org_id)
    assert len(made) == 20 and {d["filer_role"] for d in made} == {"employer_staff"}
    assert {d["fields"]["filer_corporate_number"] for d in made} == {CORPORATE}
    assert {d["fields"]["card_number"] for d in made} == set(cards)


def test_one_bad_field_in_one_row_and_nothing_is_imported(org, rt):
    cards = _people_with_consent(org, 3)
    rows = [{**ROW, "card_number": c, "procedure": "extension"} for c in cards]
    rows[1]["applicant_date_of_birth"] = "1995-13-45"
    rows[2]["phone"] = "call me"
    rows.append({**ROW, "card_number": "ZZ99999999ZZ", "procedure": "extension"})  # not on the roster
    r = org.post(
        "/org/drafts/import", data={"file": (io.BytesIO(csv_of(rows)), "batch.csv")}, content_type="multipart/form-data"
    )
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Nothing was imported" in page and "Row 2" in page and "Row 3" in page and "Row 4" in page
    assert "applicant_date_of_birth" in page and "phone" in page and "Row 1," not in page
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(org_drafts)).scalar() == 0
    # The API says the same, row by row and field by field.
    with transaction(rt.session_factory) as session:
        secret = session.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
        token, _ = organisation_api.issue_token(
            rt,
            session,
            "admin@sample.example",
            PASSWORD,
            pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)),
            ["drafts"],
        )
    answer = org.post("/org/api/v1/drafts/csv", data=csv_of(rows), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422
    by_row = {p["row"]: p["errors"] for p in answer.get_json()["rows"]}
    assert set(by_row) == {2, 3, 4} and "applicant_date_of_birth" in by_row[2] and "phone" in by_row[3]


def test_a_lapsed_organisation_prepares_nothing(app, rt):
    client = app.test_client()
    org_id, secret = make_org(client, rt, approved=False)
    decide_organisation_use(rt, org_id, start=date(2025, 1, 1), until=date(2025, 12, 31))
    sign_in(client, "admin@sample.example", secret)
    consent_by_document(client, add_person(client))
    r = client.post(
        "/org/drafts/import",
        data={
            "file": (io.BytesIO(csv_of([{**ROW, "card_number": "AB12345678CD", "procedure": "extension"}])), "b.csv")
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and b"approval is current" in r.data
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(org_drafts)).scalar() == 0


# -- the API: scoped tokens ------------------------------------------------------------------------------
def test_a_token_scoped_to_roster_and_drafts_is_refused_elsewhere(org, rt):
    with rt.engine.connect() as conn:
        secret = conn.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
    code = pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))
    bad = org.post(
        "/org/api/v1/tokens",
        json={"email": "admin@sample.example", "password": "wrong password", "totp": code, "scopes": ["roster"]},
    )
    assert bad.status_code == 401
    r = org.post(
        "/org/api/v1/tokens",
        json={"email": "admin@sample.example", "password": PASSWORD, "totp": code, "scopes": ["roster", "drafts"]},
    )
    assert r.status_code == 201, r.data
    api = {"Authorization": f"Bearer {r.get_json()['token']}"}
    client = org.application.test_client()  # no cookie: the token alone
    assert client.get("/org/api/v1/people", headers=api).status_code == 200
    assert client.get("/org/api/v1/drafts", headers=api).status_code == 200
    assert client.get("/org/api/v1/organisation", headers=api).status_code == 403
    assert client.put("/org/api/v1/webhook", json={"url": "https://x.example/h"}, headers=api).status_code == 403
    assert client.get("/org/api/v1/people").status_code == 401
    assert client.get("/org/api/v1/people", headers={"Authorization": "Bearer zo_made_up"}).status_code == 401
    # The applicants' API and pages know nothing of this token.
    assert client.get("/api/v1/applications", headers=api).status_code == 401
    spec = client.get("/org/api/v1/openapi.json").get_json()
    assert "/org/api/v1/drafts/csv" in spec["paths"] and "bearer" in spec["components"]["securitySchemes"]


# -- decision webhooks --------------------------------------------------------------------------------------
class Receiver:
    """A real HTTP endpoint that fails the first ``failures`` deliveries, then accepts; dedupes by event id."""

    def __init__(self, failures=2):
        self.failures, self.calls, self.accepted = failures, [], {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body))
                if len(outer.calls) <= outer.failures:
                    self.send_response(500)
                else:
                    outer.accepted.setdefault(self.headers["X-Zairyu-Event-Id"], body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_decision_webhook_is_signed_retried_with_backoff_and_deduplicated(app, rt):
    client = app.test_client()
    org_id, secret = make_org(client, rt, approved=False)
    receiver = Receiver(failures=2)
    try:
        with transaction(rt.session_factory) as session:
            token, _ = organisation_api.issue_token(
                rt, session, "admin@sample.example", PASSWORD, pyotp.TOTP(secret).now(), ["webhooks"]
            )
        r = client.put("/org/api/v1/webhook", json={"url": receiver.url}, headers={"Authorization": f"Bearer {token}"})
        hook_secret = r.get_json()["secret"]
        event = decide_organisation_use(rt, org_id)
        with transaction(rt.session_factory) as session:  # the same event again (a redelivery): nothing new
            organisation_api.queue_decision(session, org_id, event)
        start = datetime.now(UTC)

        def attempt(at):
            with transaction(rt.session_factory) as session:
                return organisation_api.deliver_due(rt, session, at)

        assert attempt(start) == 0 and len(receiver.calls) == 1  # 500
        assert attempt(start + timedelta(seconds=30)) == 0 and len(receiver.calls) == 1  # not due yet (1 min)
        assert attempt(start + timedelta(minutes=1)) == 0 and len(receiver.calls) == 2  # 500 again
        assert attempt(start + timedelta(minutes=2)) == 0 and len(receiver.calls) == 2  # backoff: 2 min now
        assert attempt(start + timedelta(minutes=3)) == 1 and len(receiver.calls) == 3  # accepted
        assert attempt(start + timedelta(hours=1)) == 0 and len(receiver.calls) == 3  # delivered once
        ids = {h["X-Zairyu-Event-Id"] for h, _ in receiver.calls}
        assert ids == {event.id}  # every retry carries the same id: the receiver deduplicates by it
        headers, body = receiver.calls[-1]
        sent_at = datetime.fromtimestamp(int(headers["X-Zairyu-Timestamp"]), UTC)
        assert webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body, sent_at)
        assert not webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body + b" ", sent_at)
        assert not webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body, sent_at + timedelta(minutes=6))
        assert json.loads(body)["data"]["outcome"] == "approved"
    finally:
        receiver.close()


def test_a_webhook_is_given_up_after_24_hours():
    created = datetime(2026, 12, 6, tzinfo=UTC)
    assert webhooks.next_attempt(created, 1, created) == created + timedelta(minutes=1)
    assert webhooks.next_attempt(created, 3, created) == created + timedelta(minutes=4)
    assert webhooks.next_attempt(created, 20, created + timedelta(hours=5)) == created + timedelta(hours=6)  # capped
    assert webhooks.next_attempt(created, 30, created + timedelta(hours=23, minutes=30)) is None
