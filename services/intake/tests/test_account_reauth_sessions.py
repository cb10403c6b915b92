"""Changing how the account is reached (issue 20): the person proves again who they are, as strongly as the
account signs in, before an e-mail change is even sent; and a new e-mail address or a new password ends every
other session of the account at once, while the browser that made the change stays signed in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa
from intake_testkit import outbox_events
from journey import login, register

from intake.adapters.tables import applicants, tokens
from intake.application.common import token_hash

PW = "correct horse battery"
ORIGIN = "http://intake.test"


def _nonce(page: str) -> str:
    return page.split('name="nonce" value="', 1)[1].split('"', 1)[0]


def _card(nonce: str, cert: str = "AUTH-CERT-1") -> str:
    """A Web eID-style token as the signer extension returns it (the fake signing service checks it)."""
    return json.dumps({"unverifiedCertificate": cert, "signature": f"signed:{ORIGIN}:{nonce}", "format": "web-eid:1.0"})


def _link_card(client, cert: str = "AUTH-CERT-1", password: str = PW):
    """Links a card for logging in (the password first: test_account_authenticators_reauth.py)."""
    nonce = _nonce(client.get("/account/card-login").data.decode())
    return client.post("/account/card-login", data={"password": password, "nonce": nonce, "token": _card(nonce, cert)})


def _requests(rt) -> list[str]:
    return [e["payload"]["email"] for e in outbox_events(rt, "applicant.email_change_requested")]


def _confirm_path(rt, email) -> str:
    [event] = [e for e in outbox_events(rt, "applicant.email_change_requested") if e["payload"]["email"] == email][-1:]
    return "/account/email/confirm/" + event["payload"]["confirm_url"].rsplit("/", 1)[1]


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _set(rt, applicant_id, **values) -> None:
    with rt.engine.begin() as conn:
        conn.execute(applicants.update().where(applicants.c.id == applicant_id).values(**values))


# --- proving it is the person ----------------------------------------------------------------------------
def test_an_account_with_an_authenticator_needs_the_password_and_a_code(client, rt):
    register(client, rt)
    secret = client.get("/account/totp").data.decode().split("<code>", 1)[1].split("</code>", 1)[0]
    assert client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "password": PW}).status_code == 302
    page = client.get("/account/email").data.decode()
    assert 'name="password"' in page and 'name="code"' in page and 'name="token"' not in page  # no card linked

    alone = client.post("/account/email", data={"email": "new@example.jp", "password": PW})
    assert "The password or the code is not correct." in alone.data.decode()
    wrong = client.post("/account/email", data={"email": "new@example.jp", "password": "guess", "code": "123456"})
    assert "The password or the code is not correct." in wrong.data.decode()
    assert _requests(rt) == []
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))  # not the one that enabled it
    ok = client.post("/account/email", data={"email": "new@example.jp", "password": PW, "code": code})
    assert "We sent a link to new@example.jp" in ok.data.decode() and _requests(rt) == ["new@example.jp"]
    replay = client.post("/account/email", data={"email": "other@example.jp", "password": PW, "code": code})
    assert "not correct" in replay.data.decode() and _requests(rt) == ["new@example.jp"]  # a code works once


def test_wrong_passwords_here_count_towards_the_sign_in_lockout(client, rt):
    me = register(client, rt)
    for _ in range(4):
        page = client.post("/account/email", data={"email": "new@example.jp", "password": "guess"}).data.decode()
        assert "The password is not correct." in page
    locked = client.post("/account/email", data={"email": "new@example.jp", "password": "guess"}).data.decode()
    assert "Too many attempts" in locked
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(applicants.c.locked_until).where(applicants.c.id == me)).scalar() is not None
    assert _requests(rt) == []


def test_the_linked_card_confirms_it_is_the_person_and_another_card_does_not(client, rt):
    register(client, rt)
    assert _link_card(client).status_code == 302
    page = client.get("/account/email").data.decode()
    assert 'name="password"' in page and 'name="token"' in page and "Or use your My Number Card" in page
    nonce = _nonce(page)
    other = client.post("/account/email", data={"email": "new@example.jp", "nonce": nonce, "token": _card(nonce, "X")})
    assert "This is not the card linked to your account." in other.data.decode()
    again = client.post("/account/email", data={"email": "new@example.jp", "nonce": nonce, "token": _card(nonce)})
    assert "challenge expired" in again.data.decode()  # the challenge was spent by the refused try
    nonce = _nonce(client.get("/account/email").data.decode())
    ok = client.post("/account/email", data={"email": "new@example.jp", "nonce": nonce, "token": _card(nonce)})
    assert "We sent a link to new@example.jp" in ok.data.decode() and _requests(rt) == ["new@example.jp"]


def test_an_account_signing_in_only_with_its_card_must_use_the_card(client, rt):
    """Before: an account without a password changed its address with no proof at all."""
    me = register(client, rt)
    assert _link_card(client).status_code == 302
    _set(rt, me, password_hash=None)  # signs in with the card only
    page = client.get("/account/email").data.decode()
    assert 'name="password"' not in page and 'name="token"' in page
    bare = client.post("/account/email", data={"email": "new@example.jp"})
    assert "Confirm it is you with the card linked to your account." in bare.data.decode()
    pasted = client.post("/account/email", data={"email": "new@example.jp", "nonce": _nonce(page), "token": "hello"})
    assert "could not be verified" in pasted.data.decode()
    assert _requests(rt) == []
    nonce = _nonce(client.get("/account/email").data.decode())
    ok = client.post("/account/email", data={"email": "new@example.jp", "nonce": nonce, "token": _card(nonce)})
    assert "We sent a link to new@example.jp" in ok.data.decode()


def test_an_account_with_no_way_to_prove_it_cannot_change_its_address_here(client, rt):
    me = register(client, rt)
    _set(rt, me, password_hash=None)  # e.g. a password never set; no card linked for logging in
    page = client.get("/account/email").data.decode()
    assert "cannot confirm it is you here" in page and '<form method="post"' not in page.split("</h1>", 1)[1]
    refused = client.post("/account/email", data={"email": "new@example.jp", "password": ""})
    assert "cannot confirm it is you here" in refused.data.decode() and _requests(rt) == []


def test_a_typo_in_the_address_costs_no_password_try(client, rt):
    me = register(client, rt)
    for _ in range(3):
        assert "valid e-mail" in client.post("/account/email", data={"email": "not-an-address", "password": "x"}).text
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(applicants.c.failed_logins).where(applicants.c.id == me)).scalar() == 0


# --- other sessions end -------------------------------------------------------------------------------------
def test_confirming_a_new_address_ends_the_other_sessions_at_once_and_keeps_this_one(client, rt, app):
    register(client, rt)
    phone = app.test_client()
    assert login(phone).status_code == 302 and _signed_in(phone)
    client.post("/account/email", data={"email": "new@example.jp", "password": PW})
    assert _signed_in(phone)  # asking changes nothing yet
    done = client.post(_confirm_path(rt, "new@example.jp"))
    assert "You are still signed in here; your other sessions were signed out." in done.data.decode()
    assert _signed_in(client)
    assert not _signed_in(phone)  # its very next request, without waiting for anything
    assert login(phone, "new@example.jp").status_code == 302 and _signed_in(phone)


def test_confirming_in_a_browser_not_signed_in_ends_every_session(client, rt, app):
    register(client, rt)
    client.post("/account/email", data={"email": "new@example.jp", "password": PW})
    mail_app = app.test_client()
    done = mail_app.post(_confirm_path(rt, "new@example.jp"))
    assert "Every session of your account was signed out: log in with your new address." in done.data.decode()
    assert not _signed_in(client) and not _signed_in(mail_app)


def test_a_new_password_ends_the_other_sessions_and_keeps_the_browser_that_set_it(client, rt, app):
    me = register(client, rt)
    phone = app.test_client()
    login(phone)
    value = "reset-link-value"
    with rt.engine.begin() as conn:
        conn.execute(
            tokens.insert().values(
                token_hash=token_hash(value),
                applicant_id=me,
                purpose="reset_password",
                expires_at=datetime.now(UTC) + timedelta(minutes=30),
            )
        )
    new = "a brand new passphrase"
    done = client.post(f"/login/reset/{value}", data={"password": new, "password_again": new})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    assert _signed_in(client) and not _signed_in(phone)
    client.post("/logout")
    assert login(client, password=PW).status_code == 200  # the old password no longer signs in
    assert login(client, password=new).status_code == 302
