"""Registration does not strand people (issue 18): the address is proven by a link before the card signs,
opening the link never uses it up (only saving the password does), and the link can be sent again.

Before: the card signed first; the e-mailed link was spent by its first GET (a mail scanner or a second tap
killed it), and registering again cost another card signature only to end in "log in" to an account that
had no password.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from intake_testkit import outbox_events
from journey import code_from, login, register, registration_link, sign_code

from intake.adapters import passwords
from intake.adapters.tables import applicants, registration_links, signing_requests
from intake.application import accounts
from intake.application.common import new_id, now

PW = "correct horse battery"


def _count(rt, table) -> int:
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_no_card_signature_is_asked_before_the_address_is_proven(client, rt):
    page = client.post("/register", data={"email": "an@example.jp"})
    assert page.status_code == 200 and b"an@example.jp" in page.data  # "we sent a link to ..."
    assert _count(rt, signing_requests) == 0 and _count(rt, applicants) == 0
    [sent] = outbox_events(rt, "applicant.email_verification_requested")
    assert sent["payload"]["verify_url"].startswith("http") and "/register/verify/" in sent["payload"]["verify_url"]


def test_opening_the_link_any_number_of_times_never_spends_it(client, rt, app):
    link = registration_link(client, rt)
    scanner = app.test_client()  # a mail scanner fetching the link first, without the person's cookies
    for who in (scanner, client, client):
        page = who.get(link)
        assert page.status_code == 200 and b"/sign" in page.data  # still the "sign with your card" step
    code = code_from(client.post(link + "/sign"))
    assert sign_code(client, code, "nguyen").json["ok"] is True
    assert client.get(f"/sign/{code}").headers["Location"].endswith(link)
    for who in (scanner, client):
        page = who.get(link)
        assert page.status_code == 200 and b'name="password_again"' in page.data  # the password step, again and again
    differ = client.post(link, data={"password": PW, "password_again": PW + "x"})
    assert differ.status_code == 200 and b'name="password_again"' in differ.data
    assert client.get(link).status_code == 200 and b'name="password_again"' in client.get(link).data  # not spent
    done = client.post(link, data={"password": PW, "password_again": PW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/applications")
    assert client.get(link).status_code == 200 and b'name="password_again"' not in client.get(link).data  # used now
    again = scanner.post(link, data={"password": "another long phrase", "password_again": "another long phrase"})
    assert again.status_code in (302, 400) and b"/applications" not in again.data
    client.post("/logout")
    assert login(client).status_code == 302  # the first password stands
    assert [e["payload"]["email"] for e in outbox_events(rt, "applicant.registered")] == ["an@example.jp"]


def test_the_link_can_be_sent_again_and_every_link_sent_stays_valid_until_the_password(client, rt):
    first = registration_link(client, rt)
    second = registration_link(client, rt)
    assert first != second and client.get(first).status_code == 200 and client.get(second).status_code == 200
    third = registration_link(client, rt)
    fourth = client.post("/register", data={"email": "an@example.jp"})  # the 4th within 10 minutes: not sent
    assert fourth.status_code == 200 and len(outbox_events(rt, "applicant.email_verification_requested")) == 3
    code = code_from(client.post(first + "/sign"))  # all three are one registration: any of them continues it
    assert sign_code(client, code, "nguyen").json["ok"] is True
    assert b'name="password_again"' in client.get(third).data
    assert client.post(second, data={"password": PW, "password_again": PW}).status_code == 302
    for link in (first, third):
        assert b'name="password_again"' not in client.get(link).data


def test_a_card_signed_on_another_device_continues_from_the_link(client, rt, app):
    link = registration_link(client, rt)
    pc = app.test_client()  # the phone opened the e-mail; the PC with the card reader signs
    code = code_from(pc.post(link + "/sign"))
    assert sign_code(pc, code, "nguyen").json["ok"] is True
    assert b'name="password_again"' in client.get(link).data  # the phone goes on with the same link
    assert client.post(link, data={"password": PW, "password_again": PW}).status_code == 302


def test_an_account_stranded_without_a_password_gets_a_link_not_a_second_signature(client, rt):
    stranded = new_id()  # signed with the card under the old flow, its one link spent by a mail scanner
    with rt.engine.begin() as conn:
        conn.execute(
            applicants.insert().values(
                id=stranded,
                email="an@example.jp",
                email_lookup=accounts.email_lookup(rt, "an@example.jp"),
                language="vi",
                name="NGUYEN VAN AN",
                date_of_birth="1994-03-15",
                sex="M",
                address="東京都新宿区",
                cert_serial="1",
                cert_issuer="x",
                holder_lookup="h",
                created_at=now() - timedelta(days=3),
            )
        )
    link = registration_link(client, rt)
    page = client.get(link)
    assert b'name="password_again"' in page.data and _count(rt, signing_requests) == 0
    done = client.post(link, data={"password": PW, "password_again": PW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/applications")
    client.post("/logout")
    assert login(client).status_code == 302
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(applicants).where(applicants.c.id == stranded)).first()
    assert row.email_verified_at is not None and passwords.verify_password(row.password_hash, PW)


def test_an_address_that_has_an_account_gets_a_password_reset_and_no_signature(client, rt):
    register(client, rt)
    client.post("/logout")
    page = client.post("/register", data={"email": "an@example.jp"})
    assert page.status_code == 200 and b"an@example.jp" in page.data  # the same answer as for a new address
    assert len(outbox_events(rt, "applicant.email_verification_requested")) == 1  # only the first registration's
    assert len(outbox_events(rt, "applicant.password_reset_requested")) == 1
    assert _count(rt, signing_requests) == 1


def test_an_unknown_or_expired_link_offers_a_new_one(client, rt):
    page = client.get("/register/verify/not-a-token")
    assert page.status_code == 400 and b'href="/register"' in page.data
    link = registration_link(client, rt)
    with rt.engine.begin() as conn:
        conn.execute(registration_links.update().values(expires_at=now() - timedelta(seconds=1)))
    assert client.get(link).status_code == 400
    assert client.post(link + "/sign").status_code == 400 and _count(rt, signing_requests) == 0
