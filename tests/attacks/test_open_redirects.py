"""Open redirects (issue 15, finding 3): after signing in or switching language, no `next=` or
Referer sends the browser to another site.

Review accepted ``next=/%09/evil.example/``: it checked ``startswith("/")``, the browser drops the
tab, and the Location became ``//evil.example/``. Review's language switch followed any Referer and
the mailroom's any ``next`` starting with a slash. Every service now asks zairyu_shared.redirects.

Each Location is judged as a browser reads it (tabs and newlines dropped, backslashes as slashes,
resolved against the page), not by string comparison.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
from attack_support import (
    build_service_app,
    cheap_password_hashing,
    csrf_token,
    fresh_ip,
    intake_applicant,
    mailroom_officer,
    memory_folder,
    review_officer,
    runtime_of,
)

BASE = "http://localhost/"
PASSWORD = "correct horse battery"
HOSTILE = [
    "/\t/evil.example/x",
    "/%09/evil.example/x",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/x%0d%0aSet-Cookie:%20a=b",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/／evil.example",
    "／／evil.example",
    "/mailroom\t/evil.example",
    "/mailroom/\\/evil.example",
]


def lands_on(location: str) -> tuple[str, str]:
    """(scheme, host) a browser goes to for this Location header on BASE (WHATWG URL parsing, roughly)."""
    assert "\r" not in location and "\n" not in location, f"header splitting: {location!r}"
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(0x21))))
    url = urljoin(BASE, cleaned.replace("\\", "/"))
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def assert_stays(response) -> None:
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    scheme, host = lands_on(response.headers["Location"])
    assert (scheme, host) in (("", ""), ("http", "localhost")), (
        f"redirected off the site: Location {response.headers['Location']!r} -> {scheme}://{host}"
    )


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        folder = memory_folder(tmp_path_factory.mktemp("redirects"))
        yield {name: build_service_app(name, folder) for name in ("intake", "review", "card-delivery")}


def _browser(app):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    return client


@pytest.fixture(scope="module")
def examiner(apps):
    return review_officer(apps["review"], "redirect-examiner", "examiner", "tokyo")


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_review_sign_in_never_leaves_the_site(apps, examiner, target):
    from review.adapters.tables import officers

    app = apps["review"]
    _id, password, secret = examiner
    with runtime_of(app).engine.begin() as conn:  # each case signs in afresh: the code is usable again
        conn.execute(
            officers.update()
            .where(officers.c.username == "redirect-examiner")
            .values(last_totp_step=None, failed_attempts=0, locked_until=None)
        )
    browser = _browser(app)
    response = browser.post(
        "/login",
        query_string={"next": target},
        data={
            "csrf_token": csrf_token(browser, "/login"),
            "username": "redirect-examiner",
            "password": password,
            "totp": pyotp.TOTP(secret).now(),
        },
    )
    assert "review_session" in response.headers.get("Set-Cookie", ""), f"the sign-in failed: {response.status_code}"
    assert_stays(response)


@pytest.mark.parametrize(
    "referrer",
    [
        "https://evil.example/",
        "http://localhost//evil.example",
        "http://localhost/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_review_language_switch_follows_no_foreign_referrer(apps, referrer):
    browser = _browser(apps["review"])
    token = csrf_token(browser, "/login")
    response = browser.post("/language", data={"csrf_token": token, "lang": "en"}, headers={"Referer": referrer})
    assert_stays(response)


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_mailroom_sign_in_never_leaves_the_site(apps, target):
    from card_delivery.adapters.tables import officers

    app = apps["card-delivery"]
    if not hasattr(app, "_redirect_clerk"):
        app._redirect_clerk = mailroom_officer(app, "redirect-clerk")
    clerk = app._redirect_clerk
    with runtime_of(app).engine.begin() as conn:
        conn.execute(
            officers.update()
            .where(officers.c.username == "redirect-clerk")
            .values(last_totp_step=0, failed_attempts=0, locked_until=None)
        )
    browser = _browser(app)
    response = browser.post(
        "/mailroom/sign-in",
        query_string={"next": target},
        data={
            "csrf_token": csrf_token(browser, "/mailroom/sign-in"),
            "username": "redirect-clerk",
            "password": clerk.password,
            "code": pyotp.TOTP(clerk.totp_secret).now(),
        },
    )
    assert_stays(response)


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_card_delivery_language_switch_never_leaves_the_site(apps, target):
    browser = _browser(apps["card-delivery"])
    token = csrf_token(browser, "/public/card-check")
    assert_stays(browser.post("/language", data={"csrf_token": token, "lang": "en", "next": target}))


@pytest.fixture(scope="module")
def intake_account(apps):
    from intake.adapters import passwords
    from intake.adapters.tables import applicants

    app = apps["intake"]
    applicant_id, _client = intake_applicant(app, "nguyen", "redirect@example.jp")
    with runtime_of(app).engine.begin() as conn:
        conn.execute(
            applicants.update()
            .where(applicants.c.id == applicant_id)
            .values(password_hash=passwords.hash_password(PASSWORD))
        )
    return "redirect@example.jp"


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_intake_login_and_language_never_leave_the_site(apps, intake_account, target):
    browser = _browser(apps["intake"])
    response = browser.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": csrf_token(browser, "/login"), "email": intake_account, "password": PASSWORD},
    )
    assert_stays(response)
    assert_stays(_browser(apps["intake"]).get("/language", query_string={"lang": "en", "next": target}))
