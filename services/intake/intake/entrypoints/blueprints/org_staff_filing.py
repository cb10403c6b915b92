"""An approved organisation's staff file drafts WITHOUT a card (issue 21): the confirmation page lists what will be
filed (one draft, or the drafts checked on the list) and asks for a NEW code from the staff member's authenticator
app; the answer lists each application filed with its provisional number.

Every route is the staff session's (organisations.staff_required) and scoped to its organisation: another
organisation's draft is not found, before any code is looked at. The rules are
application/organisation_staff_filing.py.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from intake.application import organisation_filing, organisation_staff_filing, submission
from intake.application import organisations as orgs
from zairyu_shared.web import current_runtime

from .. import labels
from ..applicant_session import tx
from ..limits import LOGIN, limiter
from .organisations import ERRORS, _org_globals, checked_batch_key, staff_required, staff_signed_in_at

bp = Blueprint("org_staff_filing", __name__, url_prefix="/org")
bp.context_processor(_org_globals)

ERRORS.update(
    {
        "org.error.step_up": _l(
            "This code is wrong, too old or already used. Enter the new code your authenticator app shows now."
        ),
    }
)
# The person's timeline (their application page) when signing accepted such a filing (attestation.accepted).
labels.TIMELINE["filing_accepted"] = _l("Accepted: filed by the organisation's staff without a card signature")


def _page(draft_ids: list[str], batch_key: str, *, problems=None, error: str | None = None, status: int = 200):
    """The confirmation page: the drafts (only the organisation's: another's is not found), what blocks them."""
    listed = []
    with tx() as db:
        standing = orgs.standing(db, g.member.organisation_id)
        for draft_id in draft_ids:
            try:
                found = organisation_filing.check(
                    db, g.member, draft_id, online_payment=submission.online_payment(current_runtime())
                )
            except organisation_filing.NotFound:
                abort(404)
            errors = dict(found["errors"])
            if found["submitted"]:
                errors = {"draft": "submit.already_submitted"}
            errors.update((problems or {}).get(draft_id, {}))
            listed.append({"draft": found["draft"], "person": found["person"], "errors": errors})
    general = (problems or {}).get("", {})
    blocked = not standing.may_file or any(item["errors"] for item in listed) or not listed
    return render_template(
        "org_file.html",
        items=listed,
        org=standing,
        batch_key=batch_key,
        error=error,
        general=general,
        blocked=blocked,
    ), status


def _chosen() -> list[str]:
    return list(dict.fromkeys(request.form.getlist("draft")))[: organisation_staff_filing.MAX_BATCH]


@bp.get("/drafts/<draft_id>/file")
@staff_required
def confirm_one(draft_id):
    return _page([draft_id], str(uuid.uuid4()))


@bp.post("/file/confirm")
@staff_required
def confirm():
    """From the list of drafts: the checked ones, on the confirmation page (nothing is filed yet)."""
    chosen = _chosen()
    if not chosen:
        return _page([], str(uuid.uuid4()), problems={"": {"draft": "org.error.nothing_chosen"}}, status=400)
    return _page(chosen, str(uuid.uuid4()))


@bp.post("/file")
@staff_required
@limiter.limit(LOGIN)  # a code is guessed here as at sign-in: the same limit (and the account's lockout)
def file():
    key = checked_batch_key(request.form.get("batch_key", ""), refused=400)
    chosen = _chosen()
    signed_in_at = staff_signed_in_at()
    try:
        with tx() as db:
            outcome = organisation_staff_filing.submit(
                current_runtime(),
                db,
                g.member,
                chosen,
                request.form.get("code", ""),
                signed_in_at=signed_in_at,
                batch_key=key,
            )
    except organisation_filing.NotFound:
        abort(404)
    except orgs.NotAllowedToFile:
        return _page(chosen, key, error="org.error.not_allowed", status=403)
    except organisation_filing.NotReady as not_ready:
        return _page(chosen, key, problems=not_ready.problems, status=400)
    if outcome.refused:  # committed: a wrong code counts towards the lockout
        return _page(chosen, key, error=outcome.refused, status=400)
    return redirect(url_for("org_staff_filing.filed", batch_key=key))


@bp.get("/filed/<batch_key>")
@staff_required
def filed(batch_key):
    checked_batch_key(batch_key, refused=404)
    with tx() as db:
        items = organisation_staff_filing.filed_in_batch(db, g.member.organisation_id, batch_key)
    if not items:
        abort(404)
    return render_template("org_filed.html", items=items)
