"""The filing organisation's staff correct or withdraw an application it filed (issue 21): one page per application
(from the dashboard), the request written once, sent with a card (a signing code, signed in this session) or
without a card (a NEW code from the authenticator app). The rules: application/organisation_follow_up.py; who may,
with its sources: review's domain/follow_up.py.

Every route is the staff session's (organisations.staff_required) and scoped to its organisation: another
organisation's application, or one whose person's consent ended, is not found, before any code is looked at.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from intake.application import organisation_follow_up as follow_up
from zairyu_shared.web import current_runtime

from .. import labels, messages
from ..applicant_session import tx
from ..limits import LOGIN, limiter
from .organisations import ERRORS, _org_globals, staff_required, staff_signed_in_at

bp = Blueprint("org_follow_up", __name__, url_prefix="/org")
bp.context_processor(_org_globals)

messages.MESSAGES["follow.other_card"] = _l(
    "This card is not the account holder's. A correction or withdrawal of your application is signed with your own"
    " My Number Card."
)
# The waiting page of a signing code names its refusals through messages.py: the organisation's, as its pages do.
for _key in ("org.error.staff_removed", "org.error.not_allowed", "org.error.no_consent"):
    if _key in ERRORS:
        messages.MESSAGES.setdefault(_key, ERRORS[_key])
labels.SIGNING_PURPOSES[follow_up.PURPOSE] = _l(
    "You sign, for your organisation, a correction request or the withdrawal of an application it filed."
)


def _page(application_id: str, *, action: str = "", message: str = "", error: str | None = None, status=200):
    try:
        with tx() as db:
            found = follow_up.page(db, g.member, application_id)
    except follow_up.NotFound:
        abort(404)
    return render_template("org_follow_up.html", found=found, action=action, message=message, error=error), status


def _form() -> tuple[str, str]:
    action = request.form.get("action", "")
    if action not in follow_up.ACTIONS:
        abort(400)
    return action, request.form.get("message", "")


@bp.get("/applications/<application_id>/follow-up")
@staff_required
def page(application_id):
    return _page(application_id)


@bp.post("/applications/<application_id>/follow-up/card")
@staff_required
def with_card(application_id):
    action, message = _form()
    try:
        with tx() as db:
            code = follow_up.start_with_card(current_runtime(), db, g.member, application_id, action, message)
    except follow_up.NotFound:
        abort(404)
    except follow_up.Refused as refused:
        return _page(application_id, action=action, message=message, error=refused.key, status=400)
    session["codes"] = (session.get("codes", []) + [code])[-5:]  # the waiting page is this browser's
    return redirect(url_for("signing.wait", code=code))


@bp.post("/applications/<application_id>/follow-up/code")
@staff_required
@limiter.limit(LOGIN)  # a code is guessed here as at sign-in: the same limit (and the account's lockout)
def without_card(application_id):
    action, message = _form()
    signed_in_at = staff_signed_in_at()
    try:
        with tx() as db:
            sent = follow_up.send_without_card(
                current_runtime(),
                db,
                g.member,
                application_id,
                action,
                message,
                request.form.get("code", ""),
                signed_in_at=signed_in_at,
            )
    except follow_up.NotFound:
        abort(404)
    except follow_up.Refused as refused:
        return _page(application_id, action=action, message=message, error=refused.key, status=400)
    if isinstance(sent, str):  # committed: a wrong code counts towards the lockout
        return _page(application_id, action=action, message=message, error=sent, status=400)
    return redirect(url_for("org.dashboard", sent=sent.action) + "#filed")
