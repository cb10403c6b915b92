"""Changing how the account is signed in to (issue 20): linking a card for logging in, unlinking it and turning
the authenticator code off need the person to prove again who they are (domain/reauthentication.py, the same
``accounts.reauthenticate`` the e-mail change uses), wrong tries count towards the sign-in lockout, and each
change ends every other session of the account while the browser that made it stays signed in. Before, an open
session alone could link its own card or drop the second factor and keep getting back in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa
from journey import login, register
from test_account_reauth_sessions import PW, _card, _link_card, _nonce, _set, _signed_in

from intake.adapters.tables import applicants


def _row(rt, applicant_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(applicants).where(applicants.c.id == applicant_id)).first()


def _card_login(app, cert: str = "AUTH-CERT-1"):
    """A fresh browser logging in with a card: the response."""
    other = app.test_client()
    nonce = _nonce(other.get("/login/card").data.decode())
    return other.post("/login/card", data={"nonce": nonce, "token": _card(nonce, cert)})


def _turn_on_authenticator(client) -> pyotp.TOTP:
    secret = client.get("/account/totp").data.decode().split("<code>", 1)[1].split("</code>", 1)[0]
    assert client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "password": PW}).status_code == 302
    return pyotp.TOTP(secret)


def _next_code(totp: pyotp.TOTP) -> str:
    """A code the account has not used yet (the one that turned it on is spent)."""
    return totp.at(datetime.now(UTC) + timedelta(seconds=30))


# --- linking a card --------------------------------------------------------------------------------------
def test_linking_a_card_needs_the_password_and_an_empty_one_is_not_a_try(client, rt, app):
    me = register(client, rt)
    page = client.get("/account/card-login").data.decode()
    assert 'name="password"' in page and 'name="token"' in page  # the password, then the card being linked

    bare = _link_card(client, password="")
    assert "Enter your password to confirm it is you." in bare.data.decode()
    wrong = _link_card(client, password="guess")
    assert "The password is not correct." in wrong.data.decode()
    row = _row(rt, me)
    assert row.auth_subject is None and row.failed_logins == 1  # the empty one did not count
    assert "not linked" in _card_login(app).data.decode()  # the card opens nothing

    done = _link_card(client)
    assert done.status_code == 302 and done.headers["Location"] == "/account?changed=card_linked"
    assert "Your card is now linked for logging in." in client.get(done.headers["Location"]).data.decode()
    assert _row(rt, me).auth_subject and _card_login(app).status_code == 302


def test_no_card_given_costs_no_password_try(client, rt):
    me = register(client, rt)
    nonce = _nonce(client.get("/account/card-login").data.decode())
    page = client.post("/account/card-login", data={"password": "guess", "nonce": nonce, "token": ""})
    assert "The card could not be verified." in page.data.decode()
    assert _row(rt, me).failed_logins == 0


def test_with_an_authenticator_linking_needs_its_code_too(client, rt):
    me = register(client, rt)
    totp = _turn_on_authenticator(client)
    page = client.get("/account/card-login").data.decode()
    assert 'name="code"' in page
    alone = _link_card(client)
    assert "The password or the code is not correct." in alone.data.decode() and _row(rt, me).auth_subject is None
    nonce = _nonce(client.get("/account/card-login").data.decode())
    data = {"password": PW, "code": _next_code(totp), "nonce": nonce, "token": _card(nonce)}
    assert client.post("/account/card-login", data=data).status_code == 302
    assert _row(rt, me).auth_subject is not None


def test_wrong_passwords_when_linking_count_towards_the_sign_in_lockout(client, rt, app):
    me = register(client, rt)
    _set(rt, me, failed_logins=4)  # four wrong tries already (on the login page or here)
    locked = _link_card(client, password="guess").data.decode()
    assert "Too many attempts" in locked
    assert _row(rt, me).locked_until is not None
    right = _link_card(client).data.decode()  # the right password too, while locked
    assert "Too many attempts" in right and _row(rt, me).auth_subject is None
    assert "Too many attempts" in login(app.test_client()).data.decode()  # the same lockout as signing in


def test_linking_ends_the_other_sessions_and_keeps_this_one_the_same_card_again_changes_nothing(client, rt, app):
    register(client, rt)
    phone = app.test_client()
    assert login(phone).status_code == 302 and _signed_in(phone)
    assert _link_card(client).status_code == 302
    assert _signed_in(client) and not _signed_in(phone)  # a session open before must not outlive the change

    assert login(phone).status_code == 302
    again = _link_card(client)
    assert again.headers["Location"] == "/account?changed=card_same"
    assert "This card was already linked for logging in: nothing changed." in client.get(again.headers["Location"]).text
    assert _signed_in(phone)  # nothing changed, nobody signed out


def test_a_card_linked_to_another_account_is_refused_after_the_password(client, rt, app):
    register(client, rt)
    assert _link_card(client).status_code == 302
    other = app.test_client()
    register(other, rt, holder="silva", email="other@example.jp")
    refused = _link_card(other)  # the first account's card
    assert "This card is linked to another account." in refused.data.decode()


# --- unlinking it ----------------------------------------------------------------------------------------
def test_unlinking_needs_the_password_and_ends_the_other_sessions(client, rt, app):
    me = register(client, rt)
    assert _link_card(client).status_code == 302
    phone = _card_login(app)
    assert phone.status_code == 302
    page = client.get("/account/card-login").data.decode()
    assert "Stop logging in with the card" in page and 'id="unlink-password"' in page

    wrong = client.post("/account/card-login", data={"unlink": "1", "password": "guess"})
    assert "The password is not correct." in wrong.data.decode() and _row(rt, me).auth_subject is not None
    done = client.post("/account/card-login", data={"unlink": "1", "password": PW})
    assert done.status_code == 302 and done.headers["Location"] == "/account?changed=card_unlinked"
    assert _row(rt, me).auth_subject is None
    assert _signed_in(client)
    assert "not linked" in _card_login(app).data.decode()


def test_unlinking_signs_out_a_session_opened_with_the_card(client, rt, app):
    register(client, rt)
    assert _link_card(client).status_code == 302
    thief = app.test_client()
    nonce = _nonce(thief.get("/login/card").data.decode())
    assert thief.post("/login/card", data={"nonce": nonce, "token": _card(nonce)}).status_code == 302
    assert _signed_in(thief)
    assert client.post("/account/card-login", data={"unlink": "1", "password": PW}).status_code == 302
    assert not _signed_in(thief) and _signed_in(client)


def test_a_card_only_account_keeps_its_only_way_in_and_links_no_other_card(client, rt):
    me = register(client, rt)
    assert _link_card(client).status_code == 302
    _set(rt, me, password_hash=None)  # signs in with the card only
    linked = _row(rt, me).auth_subject
    page = client.get("/account/card-login").data.decode()
    assert "Your card is the only way into this account" in page
    assert "Linking a card is confirmed with your password, and this account has none." in page
    assert 'name="password"' not in page
    unlink = client.post("/account/card-login", data={"unlink": "1"})
    assert "Your card is the only way into this account" in unlink.data.decode()
    nonce = _nonce(client.get("/login/card").data.decode())  # the page offers no form: posted by hand
    other = client.post("/account/card-login", data={"nonce": nonce, "token": _card(nonce, "THEIR-CARD")})
    assert "Linking a card is confirmed with your password" in other.data.decode()
    assert _row(rt, me).auth_subject == linked


# --- turning the authenticator off -------------------------------------------------------------------------
def test_turning_the_authenticator_off_needs_the_password_and_a_code_and_ends_other_sessions(client, rt, app):
    me = register(client, rt)
    totp = _turn_on_authenticator(client)  # which ends the sessions open before (test_account_totp_on_reauth.py)
    phone = app.test_client()  # a session open since: this browser's cookie, copied
    name = client.application.config["SESSION_COOKIE_NAME"]
    phone.set_cookie(name, client.get_cookie(name).value)
    assert _signed_in(phone)

    page = client.get("/account/totp").data.decode()
    assert "Turn off two-step login" in page and "<code>" not in page  # no new key while one is on
    assert 'name="password"' in page and 'name="code"' in page
    bare = client.post("/account/totp", data={"disable": "1"})
    assert "Enter your password to confirm it is you." in bare.data.decode()
    alone = client.post("/account/totp", data={"disable": "1", "password": PW})
    assert "The password or the code is not correct." in alone.data.decode()
    assert _row(rt, me).totp_secret and _signed_in(phone)

    done = client.post("/account/totp", data={"disable": "1", "password": PW, "code": _next_code(totp)})
    assert done.status_code == 302 and done.headers["Location"] == "/account?changed=totp_off"
    assert "Two-step login is off." in client.get(done.headers["Location"]).data.decode()
    assert _row(rt, me).totp_secret is None
    assert _signed_in(client) and not _signed_in(phone)
    assert login(phone).headers["Location"] == "/applications"  # the password alone signs in now


def test_wrong_tries_turning_it_off_count_towards_the_sign_in_lockout(client, rt):
    me = register(client, rt)
    totp = _turn_on_authenticator(client)
    _set(rt, me, failed_logins=4)
    locked = client.post("/account/totp", data={"disable": "1", "password": "guess", "code": _next_code(totp)})
    assert "Too many attempts" in locked.data.decode()
    right = client.post("/account/totp", data={"disable": "1", "password": PW, "code": _next_code(totp)})
    assert "Too many attempts" in right.data.decode() and _row(rt, me).totp_secret


def test_the_linked_card_can_turn_it_off_and_another_card_cannot(client, rt):
    me = register(client, rt)
    totp = _turn_on_authenticator(client)
    nonce = _nonce(client.get("/account/card-login").data.decode())
    data = {"password": PW, "code": _next_code(totp), "nonce": nonce, "token": _card(nonce)}
    assert client.post("/account/card-login", data=data).status_code == 302
    page = client.get("/account/totp").data.decode()
    assert "Or use your My Number Card" in page and 'id="card-login"' in page
    nonce = _nonce(page)
    other = client.post("/account/totp", data={"disable": "1", "nonce": nonce, "token": _card(nonce, "THEIR-CARD")})
    assert "This is not the card linked to your account." in other.data.decode() and _row(rt, me).totp_secret
    nonce = _nonce(client.get("/account/totp").data.decode())
    done = client.post("/account/totp", data={"disable": "1", "nonce": nonce, "token": _card(nonce)})
    assert done.status_code == 302 and _row(rt, me).totp_secret is None


def test_a_live_authenticator_is_not_swapped_for_another_app_by_a_session(client, rt):
    """Before, the page offered a new key while one was on, and its code replaced the person's app."""
    me = register(client, rt)
    _turn_on_authenticator(client)
    before = _row(rt, me).totp_secret
    theirs = pyotp.random_base32()
    with client.session_transaction() as s:
        s["totp_setup"] = theirs
    swapped = client.post("/account/totp", data={"code": pyotp.TOTP(theirs).now()})
    assert "Two-step login is already on." in swapped.data.decode()
    assert _row(rt, me).totp_secret == before


def test_the_errors_read_in_the_persons_language(client, rt):
    register(client, rt)
    client.get("/language?lang=vi&next=/")
    page = _link_card(client, password="guess").data.decode()
    assert 'lang="vi"' in page and "The password is not correct." not in page
    assert "Mật khẩu không đúng." in page
