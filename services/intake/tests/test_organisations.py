"""Organisational users (issue 21): applying for use, the bureau's answer, approval expiry, staff sign-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from following_scenario import emit
from intake_testkit import outbox_events

from intake.adapters.organisation_tables import organisation_staff, organisations
from intake.application import organisations as orgs
from intake.domain import organisations as rules
from zairyu_shared.db import transaction
from zairyu_shared.testing import wait_until

CORPORATE = "7123456789012"  # the NTA's worked example: check digit 7 over 123456789012
FORM = {
    "name": "株式会社サンプル",
    "kind": "employer",
    "address": "東京都港区港南5-5-30",
    "corporate_number": CORPORATE,
    "email": "admin@sample.example",
    "password": "correct horse battery",
}


def apply(client, **changes):
    return client.post("/org/apply", data={**FORM, **changes})


def test_corporate_number_check_digit_and_routing_are_checked():
    good, errors = rules.check_application(FORM)
    assert errors == {} and good is not None and good.bureau == "tokyo"
    _, errors = rules.check_application({**FORM, "corporate_number": "8123456789012"})  # wrong check digit
    assert errors == {"corporate_number": "error.corporate_number"}
    _, errors = rules.check_application({**FORM, "address": "somewhere 5-5-30"})
    assert errors == {"address": "org.error.address_prefecture"}
    # Full-width digits and hyphens are the same number (NFKC).
    good, _ = rules.check_application({**FORM, "corporate_number": "７１２３-４５６７-８９０１２"})
    assert good is not None and good.corporate_number == CORPORATE
    # An agent's office: qualification and registration number; a sole practitioner has no corporate number.
    good, errors = rules.check_application(
        {
            **FORM,
            "kind": "agent_office",
            "corporate_number": "",
            "agent_qualification": "gyoseishoshi",
            "agent_number": "12-3456",
        }
    )
    assert errors == {} and good.agent_number == "123456" and good.corporate_number is None
    _, errors = rules.check_application({**FORM, "kind": "agent_office", "agent_qualification": "x"})
    assert set(errors) == {"agent_qualification", "agent_number"}


def test_standing_lapses_the_day_after_the_approval_ends():
    until = date(2027, 12, 5)
    assert rules.standing("approved", until, until) == "approved"
    assert rules.standing("approved", until, until + timedelta(days=1)) == "lapsed"
    assert not rules.may_file("approved", until, until + timedelta(days=1))
    assert not rules.may_file("pending", None, until) and not rules.may_file("refused", None, until)


def test_applying_routes_to_the_bureau_of_the_address_and_refuses_per_field(client, rt):
    bad = apply(client, corporate_number="8123456789012", password="short")
    assert bad.status_code == 400
    assert b"corporate number is not valid" in bad.data and b"at least 10 characters" in bad.data
    assert outbox_events(rt, "organisation.use_requested") == []
    ok = apply(client, address="大阪府大阪市中央区大手前1-1")
    assert ok.status_code == 200 and b"authenticator" in ok.data
    [event] = outbox_events(rt, "organisation.use_requested")
    assert event["payload"]["bureau"] == "osaka" and event["payload"]["corporate_number"] == CORPORATE
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(organisations)).one()
        staff = conn.execute(sa.select(organisation_staff)).one()
        raw = conn.execute(sa.text("SELECT address FROM organisations")).scalar()
    assert row.status == "pending" and staff.is_admin
    assert "大阪".encode() not in bytes(raw)  # the address is encrypted at rest
    assert apply(client).status_code == 400  # the same administrator e-mail cannot be used twice


def _signed_in(client, rt):
    with rt.engine.connect() as conn:
        secret = conn.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
    return client.post(
        "/org/login", data={"email": FORM["email"], "password": FORM["password"], "code": pyotp.TOTP(secret).now()}
    )


def _decide(rt, outcome, start=date(2026, 12, 7), until=date(2027, 12, 6), reason=None):
    with rt.engine.connect() as conn:
        org_id = conn.execute(sa.select(organisations.c.id)).scalar()
    emit(
        rt,
        "organisation.use_decided",
        "review",
        {
            "organisation_id": org_id,
            "outcome": outcome,
            "bureau": "tokyo",
            "approved_from": start.isoformat() if outcome == "approved" else None,
            "approved_until": until.isoformat() if outcome == "approved" else None,
            "reason": reason,
            "decided_at": datetime.now(UTC).isoformat(),
        },
        org_id,
    )
    return org_id


def test_the_bureaus_approval_lasts_until_its_last_day_then_nothing_is_filed(client, rt):
    rt.start_background()
    assert apply(client).status_code == 200
    assert _signed_in(client, rt).status_code == 302
    assert b"Waiting for the bureau" in client.get("/org/").data
    org_id = _decide(rt, "approved")

    def standing_on(day):
        with transaction(rt.session_factory) as session:
            return orgs.standing(session, org_id, day).standing

    wait_until(lambda: standing_on(date(2026, 12, 7)) == "approved", message="approval recorded")
    with time_machine.travel(datetime(2027, 12, 6, 14, 59, tzinfo=UTC), tick=False):  # 23:59 in Japan
        _signed_in(client, rt)  # a year on: the session has long expired
        assert b"Approved from Dec 7, 2026 to Dec 6, 2027" in client.get("/org/").data  # as English writes days
        with transaction(rt.session_factory) as session:
            orgs.require_filing_allowed(session, org_id)
    with time_machine.travel(datetime(2027, 12, 6, 15, 0, 31, tzinfo=UTC), tick=False):  # 7 Dec, JST
        assert b"Approval lapsed" in client.get("/org/").data
        with transaction(rt.session_factory) as session, pytest.raises(orgs.NotAllowedToFile):
            orgs.require_filing_allowed(session, org_id)


def test_a_refusal_is_shown_with_the_bureaus_reason(client, rt):
    rt.start_background()
    apply(client)
    org_id = _decide(rt, "refused", reason="所在地の確認ができません")

    def standing():
        with transaction(rt.session_factory) as session:
            return orgs.standing(session, org_id).standing

    wait_until(lambda: standing() == "refused", message="refusal recorded")
    _signed_in(client, rt)
    page = client.get("/org/").data.decode()
    assert "Refused" in page and "所在地の確認ができません" in page


def test_staff_sign_in_needs_the_password_and_a_fresh_code(client, rt):
    apply(client)
    with rt.engine.connect() as conn:
        secret = conn.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
    code = pyotp.TOTP(secret).now()
    assert (
        client.post(
            "/org/login", data={"email": FORM["email"], "password": "wrong password!", "code": code}
        ).status_code
        == 401
    )
    assert client.get("/org/").status_code == 302  # not signed in
    assert (
        client.post("/org/login", data={"email": FORM["email"], "password": FORM["password"], "code": code}).status_code
        == 302
    )
    client.post("/org/logout")
    # The same code is accepted once (zairyu_shared.credentials: the step is spent).
    assert (
        client.post("/org/login", data={"email": FORM["email"], "password": FORM["password"], "code": code}).status_code
        == 401
    )


def test_staff_accounts_lock_after_repeated_failures(client, rt):
    """The shared lockout (zairyu_shared.credentials): five wrong tries lock the account; the right password and
    a fresh code are refused until the lock ends."""
    apply(client)
    with rt.engine.connect() as conn:
        secret = conn.execute(sa.select(organisation_staff.c.totp_secret)).scalar()
    with transaction(rt.session_factory) as session:
        for _ in range(5):
            who, outcome = orgs.staff_sign_in(rt, session, FORM["email"], "wrong password!", "000000")
        assert who is None and outcome.value == "locked"
        who, outcome = orgs.staff_sign_in(rt, session, FORM["email"], FORM["password"], pyotp.TOTP(secret).now())
        assert who is None and outcome.value == "locked"
    later = datetime.now(UTC) + timedelta(minutes=16)
    with transaction(rt.session_factory) as session:
        who, _ = orgs.staff_sign_in(
            rt, session, FORM["email"], FORM["password"], pyotp.TOTP(secret).at(later), at=later
        )
        assert who is not None


def test_the_periodic_report_asks_again_and_a_refused_renewal_keeps_the_running_year(client, rt):
    rt.start_background()
    apply(client)
    org_id = _decide(rt, "approved", start=date(2026, 12, 7), until=date(2027, 12, 6))

    def standing_on(day):
        with transaction(rt.session_factory) as session:
            return orgs.standing(session, org_id, day).standing

    wait_until(lambda: standing_on(date(2027, 1, 1)) == "approved", message="approval recorded")
    assert _signed_in(client, rt).status_code == 302
    assert client.post("/org/renew").status_code == 200
    assert len(outbox_events(rt, "organisation.use_requested")) == 2
    emit(
        rt,
        "organisation.use_decided",
        "review",
        {
            "organisation_id": org_id,
            "outcome": "refused",
            "bureau": "tokyo",
            "approved_from": "2026-12-07",
            "approved_until": "2027-12-06",
            "reason": "定期報告の内容に不備",
            "decided_at": datetime.now(UTC).isoformat(),
        },
        org_id,
    )

    def reason():
        with transaction(rt.session_factory) as session:
            return orgs.standing(session, org_id, date(2027, 1, 1)).refusal_reason

    wait_until(lambda: reason() == "定期報告の内容に不備", message="refusal recorded")
    assert standing_on(date(2027, 12, 6)) == "approved" and standing_on(date(2027, 12, 7)) == "lapsed"
