"""CSRF on every state-changing HTML form, and session fixation / logout (issue 9, "Attacks").

Every POST (PUT, DELETE) route of intake, review and card-delivery outside ``/api/`` and ``/internal/``
is taken from the app's url_map, so a new form is covered the day it appears: posted by a signed-in
user without a CSRF token and with a wrong one, it is refused with 400 and changes nothing. Intake's
JSON API defends with a custom header instead: without ``X-Zairyu-Api`` a cookie-borne write is refused.
Signing's demo form is covered the same way. Sessions: the cookie a visitor had before signing in is
not the one after (and is not signed in); after signing out, the signed-in cookie is dead.
"""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from attack_support import (
    API_HEADERS,
    World,
    cheap_password_hashing,
    csrf_token,
    fresh_ip,
    intake_applicant,
    mailroom_client,
    runtime_of,
)

WRONG = "IjY5ZTc3YjQ4ZDM1NzQ5MTE1YmI0NzFhNmVlYjkwZTI0ZDBiMGYxNDUi.Z0Q2jA.forged-token-value"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        w = World(tmp_path_factory.mktemp("csrf-world"))
        w.decide()  # a delivery case, so the mailroom's case forms have a real target
        yield w


def _values(w) -> dict:
    return {
        "application_id": w.application_id,
        "draft_id": w.draft_id,
        "attachment_id": w.draft_attachment_id,
        "request_id": w.request_id,
        "delivery_id": w.delivery_ids()[0],
        "officer_id": w.officers["tokyo-examiner"]["id"],
        "what": "deactivate",
        "correction_id": "1",
        "action": "withdrawal",
        "token": "x" * 43,
        "n": 0,
        "number": 1,
        # organisations (issue 21) and the e-COE (issue 17): ids of nothing, a forged post must change nothing
        "organisation_id": "0f0f0f0f-0000-4000-8000-000000000021",
        "staff_id": "0f0f0f0f-0000-4000-8000-000000000022",
        "person_id": "0f0f0f0f-0000-4000-8000-000000000023",
        "export_id": "0f0f0f0f-0000-4000-8000-000000000020",
        "document_id": "COE-0123456789ABCDEF",
        "kid": "demo-0000000000000000",
        "section": "personal",  # a part of an organisation's draft (org_filing.correct)
    }


def form_posts(app, values):
    from flask import url_for

    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/internal/", "/org/api/")):  # header or bearer-token APIs
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            args = {a: (rule.defaults or {}).get(a, values.get(a)) for a in rule.arguments}
            with app.test_request_context():
                yield rule.endpoint, method, url_for(rule.endpoint, **args)


def _fingerprint(w):
    """Everything a forged post could change: every table of the three services."""
    out = []
    for app in (w.intake, w.review, w.cards):
        rt = runtime_of(app)
        with rt.engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            for name in sorted(meta.tables):
                if name in ("alembic_version",):
                    continue
                rows = conn.execute(sa.select(meta.tables[name])).all()
                out.append((name, sorted(map(repr, rows))))
    return out


def _signed_in_clients(w):
    return {
        "intake": w.a,
        "review": w.officer("tokyo-supervisor"),
        "card-delivery": mailroom_client(w.cards, w.mailroom.officer.officer_id),
    }


def test_every_form_post_refuses_a_missing_or_wrong_csrf_token(world):
    w = world
    apps = {"intake": w.intake, "review": w.review, "card-delivery": w.cards}
    clients = _signed_in_clients(w)
    before = _fingerprint(w)
    wrong, checked = [], 0
    for service, app in apps.items():
        client = clients[service]
        for endpoint, method, url in form_posts(app, _values(w)):
            if (service, endpoint) in CSRF_EXEMPT:
                continue  # checked below: refused for its missing signature instead
            for token in (None, WRONG):
                data = {
                    "message": "forged",
                    "reason": "forged",
                    "body": "forged",
                    "outcome": "approved",
                    "examiner": "tokyo-examiner",
                    "lang": "en",
                    "email": "x@example.jp",
                    "password": "forged",
                }
                if token:
                    data["csrf_token"] = token
                response = client.open(url, method=method, data=data)
                checked += 1
                if response.status_code != 400:
                    wrong.append(f"{service} {method} {url} token={token is not None}: {response.status_code}")
    assert not wrong, "accepted without a valid CSRF token: " + "; ".join(wrong)
    assert checked > 60, checked
    assert _fingerprint(w) == before, "a refused post changed data"


# The one form-post exemption: the payment provider's server cannot hold a session's CSRF token, so
# the webhook checks the HMAC signature of the body instead.
CSRF_EXEMPT = {("intake", "payments.webhook")}


def test_only_the_payment_webhook_is_exempt_and_it_refuses_unsigned_posts(world):
    w = world
    csrf = w.intake.extensions["csrf"]
    assert csrf._exempt_views == {"intake.entrypoints.blueprints.payments.webhook"}
    # the JSON API (header check) and the organisations' API (bearer tokens only, never the browser's cookies)
    assert {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} == {"api", "org_api"}
    before = _fingerprint(w)
    for data in ({"csrf_token": WRONG}, {}):
        assert w.a.post("/payments/webhook", data=data).status_code == 400
    body = b'{"id":"evt_x","type":"checkout.succeeded","created":1,"data":{}}'
    assert w.a.post("/payments/webhook", data=body, headers={"Zairyu-Signature": "t=1,v1=00"}).status_code == 400
    assert _fingerprint(w) == before


def test_the_real_token_is_accepted_so_the_400s_are_about_csrf(world):
    """The control: the same kind of post with the page's token goes through."""
    w = world
    officer = w.officer("tokyo-supervisor")
    note = officer.post(
        f"/cases/{w.application_id}/notes", data={"csrf_token": csrf_token(officer, "/queue"), "body": "control note"}
    )
    assert note.status_code == 302
    assert w.a.post(
        f"/drafts/{w.draft_id}/autosave", data={"csrf_token": csrf_token(w.a, "/applications"), "reason": "control"}
    ).status_code in (200, 204, 302)


def test_intake_json_api_writes_need_the_custom_header(world):
    w = world
    v = _values(w)
    refused = []
    for rule in w.intake.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.post_signature":
            continue  # the signer's post is authorised by the one-time code, not by a cookie
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            from flask import url_for

            with w.intake.test_request_context():
                url = url_for(rule.endpoint, **{a: (rule.defaults or {}).get(a, v.get(a, "x")) for a in rule.arguments})
            response = w.a.open(url, method=method, json={"procedure": "extension", "message": "forged"})
            if response.status_code not in (400, 403):
                refused.append(f"{method} {url}: {response.status_code}")
    assert not refused, "cookie-borne API writes without X-Zairyu-Api: " + "; ".join(refused)


def test_review_json_api_writes_need_the_custom_header(world):
    """Review's one JSON write (hand-over) is CSRF-exempt, so it must insist on X-Zairyu-Api instead."""
    w = world
    supervisor = w.officer("tokyo-supervisor")
    before = _fingerprint(w)
    posts = [r for r in w.review.url_map.iter_rules() if r.rule.startswith("/api/") and "POST" in r.methods]
    assert [r.endpoint for r in posts] == ["api.hand_over"]
    for body in ({"office": "yokohama"}, None):
        kw = {"json": body} if body else {"data": {"office": "yokohama"}}
        response = supervisor.post(f"/api/v1/cases/{w.application_id}/office", **kw)
        assert response.status_code == 400, response.status_code
    assert _fingerprint(w) == before


def test_signing_demo_form_refuses_missing_and_wrong_csrf(service_apps):
    app = service_apps("signing")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_ip()
    assert client.get("/demo/sign").status_code == 200
    for data in (
        {"pin": "1234", "code": "K7QM-2HXD-9PZA"},
        {"pin": "1234", "code": "K7QM-2HXD-9PZA", "csrf_token": WRONG},
    ):
        assert client.post("/demo/sign", data=data).status_code == 400


# -- session fixation and logout ------------------------------------------------------------------
def _intake_password_account(w, email):
    from intake.adapters import passwords
    from intake.adapters.tables import applicants
    from intake.application import accounts

    rt = runtime_of(w.intake)
    with rt.engine.begin() as conn:
        conn.execute(
            applicants.update()
            .where(applicants.c.email_lookup == accounts.email_lookup(rt, email))
            .values(password_hash=passwords.hash_password("correct horse battery"), failed_logins=0, locked_until=None)
        )


def _cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def test_intake_session_rotates_on_login_and_dies_on_logout(world):
    w = world
    _intake_password_account(w, "maria@example.jp")
    name = w.intake.config["SESSION_COOKIE_NAME"]
    victim = w.intake.test_client()
    victim.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    token = csrf_token(victim, "/login")  # the pre-login session (holds the CSRF secret)
    planted = _cookie(victim, name)
    assert planted
    done = victim.post(
        "/login", data={"csrf_token": token, "email": "maria@example.jp", "password": "correct horse battery"}
    )
    assert done.status_code == 302 and "/login" not in done.headers["Location"]
    after = _cookie(victim, name)
    assert after and after != planted
    # the attacker who planted the first cookie is not signed in with it
    attacker = w.intake.test_client()
    attacker.set_cookie(name, planted)
    assert attacker.get("/api/v1/applications", headers=API_HEADERS).status_code == 401
    assert victim.get("/api/v1/applications", headers=API_HEADERS).status_code == 200
    victim.post("/logout", data={"csrf_token": csrf_token(victim, "/applications")})
    assert victim.get("/api/v1/applications", headers=API_HEADERS).status_code == 401


def test_intake_cookie_copied_before_logout_is_dead_after_it(world):
    """Found here (BUG-SESSION-REPLAY-INTAKE): logout only cleared the browser's copy of the cookie."""
    w = world
    _intake_password_account(w, "maria@example.jp")
    name = w.intake.config["SESSION_COOKIE_NAME"]
    victim = w.intake.test_client()
    victim.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    victim.post(
        "/login",
        data={
            "csrf_token": csrf_token(victim, "/login"),
            "email": "maria@example.jp",
            "password": "correct horse battery",
        },
    )
    stolen = _cookie(victim, name)
    victim.post("/logout", data={"csrf_token": csrf_token(victim, "/applications")})
    replay = w.intake.test_client()
    replay.set_cookie(name, stolen)
    assert replay.get("/api/v1/applications", headers=API_HEADERS).status_code == 401


def test_review_session_rotates_on_login_and_dies_on_logout(world):
    w = world
    officer = w.officers["tokyo-auditor"]
    browser = w.review.test_client()
    browser.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    token = csrf_token(browser, "/login")
    browser.set_cookie("review_session", "planted-by-attacker")
    done = browser.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "tokyo-auditor",
            "password": officer["password"],
            "totp": pyotp.TOTP(officer["secret"]).now(),
        },
    )
    assert done.status_code == 302, done.get_data()[:300]
    signed_in = _cookie(browser, "review_session")
    assert signed_in and signed_in != "planted-by-attacker"
    fixated = w.review.test_client()
    fixated.set_cookie("review_session", "planted-by-attacker")
    assert fixated.get("/api/v1/queue").status_code == 401
    assert browser.get("/api/v1/queue").status_code == 200
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/queue")})
    replay = w.review.test_client()
    replay.set_cookie("review_session", signed_in)
    assert replay.get("/api/v1/queue").status_code == 401, "a review session survived logout"


def _mailroom_sign_in(w, browser):
    created = w.mailroom
    return browser.post(
        "/mailroom/sign-in",
        data={
            "csrf_token": csrf_token(browser, "/mailroom/sign-in"),
            "username": "clerk",
            "password": created.password,
            "code": pyotp.TOTP(created.totp_secret).now(),
        },
    )


def test_mailroom_session_rotates_on_sign_in(world):
    w = world
    name = w.cards.config["SESSION_COOKIE_NAME"]
    browser = w.cards.test_client()
    browser.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    csrf_token(browser, "/mailroom/sign-in")
    planted = _cookie(browser, name)
    assert planted
    _reset_totp_step(w)
    done = _mailroom_sign_in(w, browser)
    assert done.status_code == 302, done.get_data()[:300]
    assert _cookie(browser, name) != planted
    attacker = w.cards.test_client()
    attacker.set_cookie(name, planted)
    assert attacker.get("/mailroom/").status_code == 302
    assert browser.get("/mailroom/").status_code == 200
    browser.post("/mailroom/sign-out", data={"csrf_token": csrf_token(browser, "/mailroom/")})
    assert browser.get("/mailroom/").status_code == 302


def test_mailroom_cookie_copied_before_sign_out_is_dead_after_it(world):
    """Found here (BUG-SESSION-REPLAY-MAILROOM): sign-out only cleared the browser's copy of the cookie."""
    w = world
    name = w.cards.config["SESSION_COOKIE_NAME"]
    browser = w.cards.test_client()
    browser.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    _reset_totp_step(w)
    assert _mailroom_sign_in(w, browser).status_code == 302
    stolen = _cookie(browser, name)
    browser.post("/mailroom/sign-out", data={"csrf_token": csrf_token(browser, "/mailroom/")})
    replay = w.cards.test_client()
    replay.set_cookie(name, stolen)
    assert replay.get("/mailroom/").status_code == 302


def _reset_totp_step(w):
    """The mailroom accepts each TOTP code once; tests signing in twice within 30 s forget the last one."""
    from card_delivery.adapters.tables import officers

    column = next((c for c in officers.c if "step" in c.name), None)
    if column is not None:
        with runtime_of(w.cards).engine.begin() as conn:
            conn.execute(officers.update().values({column.name: 0}))


def test_csrf_tokens_are_bound_to_the_session(world):
    """A token lifted from the attacker's own session is worthless in the victim's."""
    w = world
    _, attacker = intake_applicant(w.intake, "silva", "eve@example.jp")  # B's sessions ended in the logout tests
    attacker_token = csrf_token(attacker, "/applications")
    response = w.a.post(f"/drafts/{w.draft_id}/autosave", data={"csrf_token": attacker_token, "reason": "forged"})
    assert response.status_code == 400
    review_attacker = w.officer("tokyo-examiner")
    forged = csrf_token(review_attacker, "/queue")
    victim = w.officer("tokyo-supervisor")
    assert victim.post(f"/cases/{w.application_id}/notes", data={"csrf_token": forged, "body": "x"}).status_code == 400
    assert re.match(r"^[\w.-]+$", forged)
