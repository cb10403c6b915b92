"""Turning two-step login on needs the person to prove again who they are (issue 20; domain/reauthentication.py,
the same ``accounts.reauthenticate`` as the other changes of how one signs in): the password, or the card linked
for logging in. Before, an open session and a code from a new app were enough, so whoever held a stolen session
could put their own authenticator app in and lock the person out of their account. Turning it on ends every
other session of the account while the browser that did it stays signed in."""

from __future__ import annotations

import pyotp
from journey import login, register
from test_account_authenticators_reauth import _row
from test_account_reauth_sessions import PW, _card, _link_card, _nonce, _set, _signed_in


def _new_app(client) -> pyotp.TOTP:
    """The authenticator app a browser scans from the two-step page (the key it shows)."""
    page = client.get("/account/totp").data.decode()
    return pyotp.TOTP(page.split("<code>", 1)[1].split("</code>", 1)[0])


def test_a_stolen_session_cannot_put_its_own_app_in(client, rt, app):
    me = register(client, rt)
    thief = app.test_client()
    assert login(thief).status_code == 302  # a session open elsewhere (a copied cookie, a shared computer)
    theirs = _new_app(thief)

    page = thief.get("/account/totp").data.decode()
    assert 'name="password"' in page and "Before two-step login is turned on, confirm it is you" in page
    alone = thief.post("/account/totp", data={"code": theirs.now()})  # what was enough before
    assert alone.status_code == 200 and "Enter your password to confirm it is you." in alone.data.decode()
    guess = thief.post("/account/totp", data={"code": theirs.now(), "password": "guess"})
    assert "The password is not correct." in guess.data.decode()
    row = _row(rt, me)
    assert row.totp_secret is None and row.failed_logins == 1  # the guess counts towards the sign-in lockout
    assert login(app.test_client()).headers["Location"] == "/applications"  # the password alone still signs in


def test_turning_it_on_with_the_password_ends_the_other_sessions_and_keeps_this_one(client, rt, app):
    me = register(client, rt)
    phone = app.test_client()
    assert login(phone).status_code == 302 and _signed_in(phone)
    totp = _new_app(client)

    done = client.post("/account/totp", data={"code": totp.now(), "password": PW})
    assert done.status_code == 302 and done.headers["Location"] == "/account?changed=totp_on"
    assert "Two-step login is on. Your other sessions" in client.get(done.headers["Location"]).data.decode()
    assert _row(rt, me).totp_secret == totp.secret
    assert _signed_in(client) and not _signed_in(phone)
    assert login(phone).headers["Location"].startswith("/login/totp")  # the code is asked from now on


def test_a_mistyped_code_from_the_app_spends_no_password_try(client, rt):
    me = register(client, rt)
    _new_app(client)
    wrong = client.post("/account/totp", data={"code": "000000", "password": "guess"})
    assert "The code is not correct." in wrong.data.decode()
    row = _row(rt, me)
    assert row.totp_secret is None and row.failed_logins == 0


def test_while_locked_out_the_right_password_does_not_turn_it_on(client, rt):
    me = register(client, rt)
    _set(rt, me, failed_logins=4)
    totp = _new_app(client)
    locked = client.post("/account/totp", data={"code": totp.now(), "password": "guess"})
    assert "Too many attempts" in locked.data.decode()
    right = client.post("/account/totp", data={"code": totp.now(), "password": PW})
    assert "Too many attempts" in right.data.decode() and _row(rt, me).totp_secret is None


def test_the_linked_card_proves_it_too_and_another_card_does_not(client, rt, app):
    me = register(client, rt)
    assert _link_card(client).status_code == 302
    phone = app.test_client()
    assert login(phone).status_code == 302
    totp = _new_app(client)
    page = client.get("/account/totp").data.decode()
    assert "Or use your My Number Card" in page and 'id="card-login"' in page

    nonce = _nonce(page)
    other = client.post("/account/totp", data={"code": totp.now(), "nonce": nonce, "token": _card(nonce, "THEIRS")})
    assert "This is not the card linked to your account." in other.data.decode() and _row(rt, me).totp_secret is None
    nonce = _nonce(client.get("/account/totp").data.decode())
    done = client.post("/account/totp", data={"code": totp.now(), "nonce": nonce, "token": _card(nonce)})
    assert done.status_code == 302 and _row(rt, me).totp_secret == totp.secret
    assert _signed_in(client) and not _signed_in(phone)


def test_the_page_reads_in_the_persons_language(client, rt):
    register(client, rt)
    client.get("/language?lang=vi&next=/")
    page = client.get("/account/totp").data.decode()
    assert 'lang="vi"' in page and "Before two-step login is turned on" not in page
    assert "Trước khi bật đăng nhập hai bước, hãy xác nhận đó là bạn" in page
    assert "Khi bật đăng nhập hai bước, các phiên đăng nhập khác của bạn" in page
