"""The waiting page of a one-time signing code: shows the code and digest, refreshes until signed."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, session, url_for

from intake.application import signing_requests
from intake.domain import canonical
from zairyu_shared.web import current_runtime

from .. import labels
from ..applicant_session import applicant_id, tx

bp = Blueprint("signing", __name__, url_prefix="/sign")


def _mine(code: str) -> None:
    # The code is shown only in the browser session that created it (not guessable, not shared).
    if code not in session.get("codes", []):
        if applicant_id():
            # Signed in since (a sign-in starts a fresh session): the registration's code page, revisited, was a
            # dead end; the same answer for any code, so it says nothing about the code.
            abort(redirect(url_for("status.applications"), 303))
        abort(404)


@bp.get("/<code>")
def wait(code):
    _mine(code)
    with tx() as db:
        row = signing_requests.load(db, code)
        status, result = signing_requests.outcome(db, code)
        reference = signing_requests.reference(db, row) if row is not None else None
    if row is None:
        abort(404)
    if status == "done":
        return redirect(_after(row.purpose, result))
    content = base64.b64decode(row.content)
    settings = current_runtime().settings
    demo = None
    if settings.embedded:  # the embedded demo has no card reader: signing's demo page signs with the DEMO card
        demo = {
            "page": settings.signing_url.rstrip("/")
            + "/demo/sign?"
            + urlencode({"code": code}),  # the link carries the code
            "request_url": settings.public_url.rstrip("/") + url_for("api.signing_request", code=code),
        }
    return render_template(
        "sign_wait.html",
        code=code,
        purpose=row.purpose,
        status=status,
        result=result,
        digest=canonical.digest_display(content),
        # What the extension's window says is signed: in the page's language (the stored description is English).
        description=labels.signing_summary(row.purpose, reference) or row.description,
        content_b64=row.content,
        expires_at=row.expires_at,
        demo=demo,
    )


def _after(purpose: str, result: dict) -> str:
    if purpose == "register":
        # back to the e-mail link's page, which now asks for the password (the link opened in this browser)
        link = session.get("registration_link")
        return url_for("register.link", token=link) if link else url_for("signing.registered")
    if purpose == "rebind":
        return url_for("auth.account", rebound=1)
    if purpose == "org_follow_up":  # the organisation's staff: back to its dashboard
        return url_for("org.dashboard", sent=1) + "#filed"
    return url_for("status.application", application_id=result["application_id"])


@bp.get("/registered")
def registered():
    return render_template("registered.html")
