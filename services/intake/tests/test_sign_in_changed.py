"""Issue 20: every change of how the account is signed in to stages ``applicant.sign_in_changed`` in the transaction
that makes it (OWASP ASVS 4.0.3 V2.2.3: notify tells the person, and the previous address of a new e-mail address):
what changed, when (Japan time), the person's language and the address to tell; never a secret. Nothing is staged
when the person fails to prove again who they are, or when nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
from intake_testkit import outbox_events
from journey import code_from, register, sign_code
from test_account_authenticators_reauth import _next_code
from test_account_reauth_sessions import PW, _card, _confirm_path, _link_card, _nonce

from intake.adapters.tables import tokens
from intake.application.common import token_hash
from intake.bootstrap import ports

KEYS = {"applicant_id", "change", "changed_at", "language", "email"}


def _told(rt) -> list[dict]:
    return [e["payload"] for e in outbox_events(rt, "applicant.sign_in_changed")]


def _changes(rt) -> list[str]:
    return [p["change"] for p in _told(rt)]


def _totp_secret(client) -> str:
    return client.get("/account/totp").data.decode().split("<code>", 1)[1].split("</code>", 1)[0]


def _reset_link(rt, applicant_id, value="reset-link-value", minutes=30) -> str:
    with rt.engine.begin() as conn:
        conn.execute(
            tokens.insert().values(
                token_hash=token_hash(value),
                applicant_id=applicant_id,
                purpose="reset_password",
                expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
            )
        )
    return f"/login/reset/{value}"


def test_each_change_of_the_sign_in_is_told_once_with_when_and_no_secret(client, rt):
    me = register(client, rt)
    assert _told(rt) == []  # the registration's first password is no change
    assert _link_card(client).headers["Location"] == "/account?changed=card_linked"
    assert _link_card(client).headers["Location"] == "/account?changed=card_same"  # nothing changed, nothing told
    assert client.post("/account/card-login", data={"unlink": "1", "password": PW}).status_code == 302
    secret = _totp_secret(client)
    totp = pyotp.TOTP(secret)
    assert client.post("/account/totp", data={"code": totp.now(), "password": PW}).status_code == 302
    off = {"disable": "1", "password": PW, "code": _next_code(totp)}
    assert client.post("/account/totp", data=off).headers["Location"] == "/account?changed=totp_off"

    assert _changes(rt) == ["card_linked", "card_unlinked", "two_step_on", "two_step_off"]
    for told in _told(rt):
        assert set(told) == KEYS and told["applicant_id"] == me
        assert told["email"] == "an@example.jp" and told["language"] == "en"
        assert datetime.fromisoformat(told["changed_at"]).utcoffset() == timedelta(hours=9)  # Japan time
        assert abs(datetime.fromisoformat(told["changed_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    wire = json.dumps(_told(rt))
    for secret_thing in (secret, PW, "AUTH-CERT-1", "signed:"):
        assert secret_thing not in wire


def test_a_new_password_through_the_reset_link_is_told(client, rt, app):
    me = register(client, rt)
    new = "a brand new passphrase"
    browser = app.test_client()  # the person, not signed in, from the link in their mail
    assert browser.post(_reset_link(rt, me), data={"password": new, "password_again": new}).status_code == 302
    [told] = _told(rt)
    assert told["change"] == "password_changed" and told["email"] == "an@example.jp"
    assert new not in json.dumps(told)
    expired = _reset_link(rt, me, value="old-link", minutes=-1)
    assert "link" in browser.post(expired, data={"password": new + "!", "password_again": new + "!"}).text
    assert _changes(rt) == ["password_changed"]  # a spent or expired link changes nothing, tells nothing


def test_a_confirmed_new_address_is_told_with_the_previous_one_in_the_persons_language(client, rt, app):
    me = register(client, rt)
    wrong = client.post("/account/email", data={"email": "new@example.jp", "password": "guess"})
    assert "not correct" in wrong.data.decode()
    client.post("/account/language", data={"language": "vi"})
    client.post("/account/email", data={"email": "new@example.jp", "password": PW})
    assert _told(rt) == []  # asking changes nothing yet
    assert app.test_client().post(_confirm_path(rt, "new@example.jp")).status_code == 200
    [told] = _told(rt)
    assert told["change"] == "email_changed" and told["applicant_id"] == me and told["language"] == "vi"
    assert told["email"] == "new@example.jp" and told["previous_email"] == "an@example.jp"
    assert outbox_events(rt, "applicant.email_changed") == []  # superseded: one event, one mail to the old address


def test_nothing_is_told_when_the_person_does_not_prove_it_is_them(client, rt):
    register(client, rt)
    secret = _totp_secret(client)
    wrong_code = client.post("/account/totp", data={"code": "000000", "password": PW})
    assert "code" in wrong_code.data.decode()
    no_password = client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "password": "guess"})
    assert "not correct" in no_password.data.decode()
    assert "not correct" in _link_card(client, password="guess").data.decode()
    assert _told(rt) == []

    assert client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "password": PW}).status_code == 302
    totp = pyotp.TOTP(secret)
    off = client.post("/account/totp", data={"disable": "1", "password": PW, "code": "123456"})
    assert "not correct" in off.data.decode()
    nonce = _nonce(client.get("/account/card-login").data.decode())
    linked = {"password": PW, "code": _next_code(totp), "nonce": nonce, "token": _card(nonce)}
    assert client.post("/account/card-login", data=linked).status_code == 302
    unlink = client.post("/account/card-login", data={"unlink": "1", "password": "guess", "code": "123456"})
    assert "not correct" in unlink.data.decode()
    assert _changes(rt) == ["two_step_on", "card_linked"]  # only what really changed


def test_binding_a_renewed_card_is_told_and_a_refused_card_tells_nothing(client, rt):
    me = register(client, rt)
    holders = ports(rt).signing.holders
    holders["nguyen_renewed"] = dict(holders["nguyen"], address="大阪府大阪市北区梅田１－１")
    assert sign_code(client, code_from(client.post("/account/rebind", data={})), "silva").json["ok"] is False
    assert _told(rt) == []  # another person's card binds nothing
    assert sign_code(client, code_from(client.post("/account/rebind", data={})), "nguyen_renewed").json["ok"] is True
    [told] = _told(rt)
    assert told["change"] == "card_renewed" and told["applicant_id"] == me and set(told) == KEYS
    assert "大阪" not in json.dumps(told)  # what the card says stays in intake
