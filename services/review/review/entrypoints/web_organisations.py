"""Organisations' applications for use (issue 21): the bureau's queue, the page, propose / confirm / return."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from review.application import organisations
from review.application.casework import Conflict, NotFound
from review.domain.case import FourEyesViolation
from review.domain.organisation_use import IllegalUseStep
from review.domain.roles import Action, Forbidden, can
from zairyu_shared.db import transaction

from .web_auth import client_ip, login_required, runtime
from .web_cases import officer_bureau

bp = Blueprint("organisations", __name__)

KINDS = {
    "employer": _l("Employer"),
    "school": _l("School"),
    "supervising_organisation": _l("Supervising organisation"),
    "support_organisation": _l("Registered support organisation"),
    "public_interest_corporation": _l("Public-interest corporation"),
    "agent_office": _l("Licensed agent's office"),
}
STATUSES = {
    "pending": _l("Waiting for a proposal"),
    "proposed": _l("Proposed, waiting for confirmation"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "lapsed": _l("Approval lapsed"),
}


@bp.app_context_processor
def _labels():
    return {
        "org_kinds": KINDS,
        "org_statuses": STATUSES,
        "filer_organisation": _filer_organisation,
        "organisation_cases": _organisation_cases,
    }


def _filer_organisation(number):
    """For the case page: the filing organisation's approval for use (the bureau sees whom it dealt with)."""
    from zairyu_shared.japan_time import japan_today

    with transaction(runtime().session_factory) as s:
        return organisations.standing_of_filer(s, number, japan_today())


def _organisation_cases(number, bureau, exclude=None):
    """For the case page: the other applications the same organisation filed at this bureau (in the officer's
    sight): (how many, the newest 50)."""
    key = runtime().settings.hashing_key
    with transaction(runtime().session_factory) as s:
        return (
            organisations.count_filed_by(s, g.officer, bureau, number, key, exclude=exclude),
            organisations.cases_filed_by(s, g.officer, bureau, number, key, exclude=exclude),
        )


def _number_of(found) -> str | None:
    """The number the organisation's applications carry as filer: an agent's registration number for an agent's
    office (its role is licensed_agent), the corporate number otherwise (intake's filers.organisation_number)."""
    return found.agent_number if found.kind == "agent_office" else found.corporate_number


@bp.get("/organisations")
@login_required
def queue():
    bureau = officer_bureau(request.args.get("bureau"))
    try:
        with transaction(runtime().session_factory) as s:
            rows = organisations.queue(s, g.officer, bureau)
    except Forbidden:
        abort(403)
    return render_template("organisations.html", rows=rows, bureau=bureau)


@bp.get("/organisations/<organisation_id>")
@login_required
def page(organisation_id):
    try:
        with transaction(runtime().session_factory) as s:
            found = organisations.load(s, g.officer, organisation_id)
            key = runtime().settings.hashing_key
            filed = organisations.cases_filed_by(s, g.officer, found.bureau, _number_of(found), key)
            filed_total = organisations.count_filed_by(s, g.officer, found.bureau, _number_of(found), key)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    officer = g.officer
    return render_template(
        "organisation.html",
        org=found,
        filed=filed,
        filed_total=filed_total,
        may_propose=found.status == "pending" and can(officer, Action.PROPOSE, found.bureau, assignee=officer.id),
        may_confirm=found.status == "proposed"
        and can(officer, Action.CONFIRM, found.bureau)
        and found.proposed_by != officer.id,
    )


def _act(organisation_id, func, *args, success):
    version = request.form.get("version", type=int)
    try:
        with transaction(runtime().session_factory) as s:
            func(runtime(), s, g.officer, organisation_id, *args, version=version, ip=client_ip())
        flash(success, "success")
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict:
        flash(_("Someone else changed this case meanwhile. Check the page and try again."), "error")
    except FourEyesViolation:
        flash(_("A decision must be confirmed by a supervisor other than the one who proposed it."), "error")
    except IllegalUseStep:
        flash(_("Not possible in the application's current state."), "error")
    except ValueError:
        flash(_("A refusal states its reason."), "error")
    return redirect(url_for("organisations.page", organisation_id=organisation_id))


@bp.post("/organisations/<organisation_id>/propose")
@login_required
def propose(organisation_id):
    return _act(
        organisation_id,
        organisations.propose,
        request.form.get("outcome", ""),
        request.form.get("reason", ""),
        success=_("Decision proposed for confirmation."),
    )


@bp.post("/organisations/<organisation_id>/confirm")
@login_required
def confirm(organisation_id):
    return _act(organisation_id, organisations.confirm, success=_("Decision confirmed and announced."))


@bp.post("/organisations/<organisation_id>/return")
@login_required
def return_proposal(organisation_id):
    return _act(organisation_id, organisations.return_proposal, success=_("Returned to examination."))
