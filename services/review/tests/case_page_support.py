"""Helpers for tests that read the officer's case page as rendered (issue 18)."""

from __future__ import annotations

import re

import pyotp

from review.adapters.accounts import create_officer
from review.domain.roles import Officer, Role
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction


def act(rt, func, *args, **kw):
    with transaction(rt.session_factory) as s:
        return func(rt, s, *args, **kw)


def make_examiner(rt) -> dict:
    with transaction(rt.session_factory) as s:
        oid, password, secret = create_officer(s, "tokyo-examiner", "東京 審査官", "examiner", "tokyo")
    return {"officer": Officer(oid, Role.EXAMINER, "tokyo"), "password": password, "secret": secret}


def page_of(rt, examiner: dict, application_id: str) -> str:
    """The case page as the examiner's browser gets it (signed in with password and TOTP)."""
    return officer_page(rt, examiner, f"/cases/{application_id}")


def officer_page(rt, examiner: dict, path: str) -> str:
    """A page of the officers' site as the examiner's browser gets it (signed in with password and TOTP)."""
    app = create_app(rt)
    app.config["TESTING"] = True
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    signed_in = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "tokyo-examiner",
            "password": examiner["password"],
            "totp": pyotp.TOTP(examiner["secret"]).now(),
        },
    )
    assert signed_in.status_code == 302
    return client.get(path).get_data(as_text=True)


def section(page: str, name: str) -> str:
    """The section headed by id ``name`` (form, att, hist ...)."""
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]
