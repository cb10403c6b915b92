"""Guessing passwords and TOTP codes (issue 9, "Attacks").

The attacker spreads guesses over many addresses (each request from a fresh one), so the per-address
rate limits do not help; the per-account lockout must. Then, from one address, the rate limit answers
429. A TOTP code that signed someone in is never accepted a second time.

Card PIN guessing is the card's business: the simulated JPKI card counts tries and blocks the PIN
(services/signing/tests/test_card_apdu.py::test_tries_query_consumes_nothing_and_counters_block,
test_signer_cli.py::test_blocked_pin_is_reported_before_prompting, test_signer_pcsc.py::
test_wrong_pin_through_pcsc_reports_tries); no service ever sees a PIN.
"""

from __future__ import annotations

import pyotp
import pytest
from attack_support import World, cheap_password_hashing, csrf_token, fresh_ip, runtime_of

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        yield World(tmp_path_factory.mktemp("bruteforce-world"))


def wrong_codes(secret: str, n: int) -> list[str]:
    """``n`` six-digit codes that are none of the codes accepted now (current step and one either side)."""
    totp, now = pyotp.TOTP(secret), int(__import__("time").time())
    valid = {totp.at(now + d) for d in (-60, -30, 0, 30, 60)}
    return [c for c in (f"{k * 7919 % 1_000_000:06d}" for k in range(1, n + 10)) if c not in valid][:n]


def _browser(app, ip=None):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip or fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


# -- intake ------------------------------------------------------------------------------------------
def _intake_account(w, email, totp_secret=None):
    from intake.adapters import passwords
    from intake.adapters.tables import applicants
    from intake.application import accounts

    rt = runtime_of(w.intake)
    with rt.engine.begin() as conn:
        conn.execute(
            applicants.update()
            .where(applicants.c.email_lookup == accounts.email_lookup(rt, email))
            .values(
                password_hash=passwords.hash_password(PASSWORD),
                failed_logins=0,
                locked_until=None,
                totp_secret=totp_secret,
                totp_last_step=None,
            )
        )


def _intake_login(w, email, password, ip=None):
    browser = _browser(w.intake, ip)
    response = browser.post(
        "/login", data={"csrf_token": csrf_token(browser, "/login"), "email": email, "password": password}
    )
    return browser, response


def _signed_in(browser) -> bool:
    return browser.get("/api/v1/applications", headers={"X-Zairyu-Api": "1"}).status_code == 200


def test_intake_password_guessing_locks_the_account(world):
    w = world
    _intake_account(w, "maria@example.jp")
    lockout_after = runtime_of(w.intake).settings.lockout_after
    for guess in range(lockout_after):
        browser, response = _intake_login(w, "maria@example.jp", f"guess-{guess}")
        assert response.status_code == 200 and not _signed_in(browser)
    browser, response = _intake_login(w, "maria@example.jp", PASSWORD)
    assert not _signed_in(browser), "the right password still worked after the lockout threshold"
    assert "locked" in response.get_data(as_text=True).lower()
    _intake_account(w, "maria@example.jp")  # an unlocked account: the right password works (the control)
    browser, _ = _intake_login(w, "maria@example.jp", PASSWORD)
    assert _signed_in(browser)


def test_intake_login_posts_are_rate_limited_per_address(world):
    w = world
    ip = fresh_ip()
    codes = [_intake_login(w, f"nobody{n}@example.jp", "x", ip=ip)[1].status_code for n in range(12)]
    assert 429 in codes, codes


def test_intake_totp_code_is_accepted_once(world):
    w = world
    secret = pyotp.random_base32()
    _intake_account(w, "maria@example.jp", totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    browser, first = _intake_login(w, "maria@example.jp", PASSWORD)
    assert first.status_code == 302 and "/login/totp" in first.headers["Location"]
    assert not _signed_in(browser)  # the password alone is not a session
    done = browser.post("/login/totp", data={"csrf_token": csrf_token(browser, "/login/totp"), "code": code})
    assert done.status_code == 302 and _signed_in(browser)
    again, _ = _intake_login(w, "maria@example.jp", PASSWORD)
    replay = again.post("/login/totp", data={"csrf_token": csrf_token(again, "/login/totp"), "code": code})
    assert replay.status_code == 200 and not _signed_in(again)


def test_intake_totp_guessing_locks_the_account(world):
    """Found here (BUG-TOTP-GUESSING-INTAKE): wrong codes counted nowhere, and a password login reset the count."""
    w = world
    secret = pyotp.random_base32()
    _intake_account(w, "maria@example.jp", totp_secret=secret)
    lockout_after = runtime_of(w.intake).settings.lockout_after
    right = pyotp.TOTP(secret).now()
    for wrong in wrong_codes(secret, lockout_after):
        # every guess from another address, after a fresh password login
        browser, _ = _intake_login(w, "maria@example.jp", PASSWORD)
        browser.post("/login/totp", data={"csrf_token": csrf_token(browser, "/login/totp"), "code": wrong})
        assert not _signed_in(browser)
    browser, response = _intake_login(w, "maria@example.jp", PASSWORD)
    if response.status_code == 302 and "/login/totp" in response.headers["Location"]:
        browser.post("/login/totp", data={"csrf_token": csrf_token(browser, "/login/totp"), "code": right})
    assert not _signed_in(browser), "unlimited second-factor guesses: the right code still signs in"
    api = w.intake.test_client()
    api.environ_base["REMOTE_ADDR"] = fresh_ip()
    answer = api.post(
        "/api/v1/session",
        json={"email": "maria@example.jp", "password": PASSWORD, "totp": right},
        headers={"X-Zairyu-Api": "1"},
    )
    assert answer.status_code == 401
    # control: unlocked, the right code signs in (and clears the count)
    _intake_account(w, "maria@example.jp", totp_secret=secret)
    browser, _ = _intake_login(w, "maria@example.jp", PASSWORD)
    browser.post("/login/totp", data={"csrf_token": csrf_token(browser, "/login/totp"), "code": right})
    assert _signed_in(browser)


# -- review ------------------------------------------------------------------------------------------
def _review_login(w, username, password, code, ip=None):
    browser = _browser(w.review, ip)
    response = browser.post(
        "/login",
        data={"csrf_token": csrf_token(browser, "/login"), "username": username, "password": password, "totp": code},
    )
    return browser, response


def _review_reset(w, username):
    from review.adapters.tables import officers

    with runtime_of(w.review).engine.begin() as conn:
        conn.execute(
            officers.update()
            .where(officers.c.username == username)
            .values(failed_attempts=0, locked_until=None, last_totp_step=None)
        )


@pytest.mark.parametrize("what", ["password", "totp"])
def test_review_guessing_locks_the_officer(world, what):
    from review.adapters.accounts import MAX_FAILURES

    w = world
    officer = w.officers["osaka-examiner"]
    _review_reset(w, "osaka-examiner")
    totp = pyotp.TOTP(officer["secret"])
    for n in range(MAX_FAILURES):
        if what == "password":
            _, response = _review_login(w, "osaka-examiner", f"guess-{n}", totp.now())
        else:
            _, response = _review_login(
                w, "osaka-examiner", officer["password"], wrong_codes(officer["secret"], n + 1)[n]
            )
        assert response.status_code != 302
    browser, response = _review_login(w, "osaka-examiner", officer["password"], totp.now())
    assert response.status_code != 302 and browser.get("/api/v1/queue").status_code == 401
    _review_reset(w, "osaka-examiner")  # control: unlocked, the same credentials sign in
    browser, response = _review_login(w, "osaka-examiner", officer["password"], totp.now())
    assert response.status_code == 302 and browser.get("/api/v1/queue").status_code == 200


def test_review_totp_code_is_accepted_once(world):
    w = world
    officer = w.officers["osaka-auditor"]
    _review_reset(w, "osaka-auditor")
    code = pyotp.TOTP(officer["secret"]).now()
    assert _review_login(w, "osaka-auditor", officer["password"], code)[1].status_code == 302
    browser, replay = _review_login(w, "osaka-auditor", officer["password"], code)
    assert replay.status_code != 302 and browser.get("/api/v1/queue").status_code == 401


def test_review_login_posts_are_rate_limited_per_address(world):
    w = world
    ip = fresh_ip()
    limit = int(runtime_of(w.review).settings.login_rate_limit.split()[0])
    codes = [_review_login(w, f"nobody{n}", "x", "123456", ip=ip)[1].status_code for n in range(limit + 2)]
    assert 429 in codes, codes


# -- card-delivery mailroom ---------------------------------------------------------------------------
def _mailroom_login(w, password, code, ip=None, username="guard"):
    browser = _browser(w.cards, ip)
    response = browser.post(
        "/mailroom/sign-in",
        data={
            "csrf_token": csrf_token(browser, "/mailroom/sign-in"),
            "username": username,
            "password": password,
            "code": code,
        },
    )
    return browser, response


def _mailroom_reset(w, username="guard"):
    from card_delivery.adapters.tables import officers

    with runtime_of(w.cards).engine.begin() as conn:
        conn.execute(
            officers.update()
            .where(officers.c.username == username)
            .values(failed_attempts=0, last_totp_step=0, locked_until=None)
        )


@pytest.fixture(scope="module")
def guard(world):
    from attack_support import mailroom_officer

    return mailroom_officer(world.cards, "guard")


@pytest.mark.parametrize("what", ["password", "totp"])
def test_mailroom_guessing_locks_the_officer(world, guard, what):
    from card_delivery.adapters.officers import LOCK_AFTER_FAILURES

    w = world
    _mailroom_reset(w)
    totp = pyotp.TOTP(guard.totp_secret)
    for n in range(LOCK_AFTER_FAILURES):
        if what == "password":
            _, response = _mailroom_login(w, f"guess-{n}", totp.now())
        else:
            _, response = _mailroom_login(w, guard.password, wrong_codes(guard.totp_secret, n + 1)[n])
        assert response.status_code == 401
    browser, response = _mailroom_login(w, guard.password, totp.now())
    assert response.status_code == 401 and browser.get("/mailroom/").status_code == 302
    _mailroom_reset(w)
    browser, response = _mailroom_login(w, guard.password, totp.now())
    assert response.status_code == 302 and browser.get("/mailroom/").status_code == 200


def test_mailroom_totp_code_is_accepted_once(world, guard):
    w = world
    _mailroom_reset(w)
    code = pyotp.TOTP(guard.totp_secret).now()
    assert _mailroom_login(w, guard.password, code)[1].status_code == 302
    browser, replay = _mailroom_login(w, guard.password, code)
    assert replay.status_code == 401 and browser.get("/mailroom/").status_code == 302


def test_mailroom_sign_in_posts_are_rate_limited_per_address(world):
    w = world
    ip = fresh_ip()
    limit = int(runtime_of(w.cards).settings.login_rate_limit.split()[0])
    codes = [_mailroom_login(w, "x", "123456", ip=ip, username=f"nobody{n}")[1].status_code for n in range(limit + 2)]
    assert 429 in codes, codes
