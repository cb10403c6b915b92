"""Bureau administration (accounts) and the auditors' view of a case's audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from review.adapters import accounts, audit, enrolments
from review.application import casework
from review.domain.enrolment import LINK_VALID, SecondPersonRequired, valid_staff_id
from review.domain.offices import OFFICES, offices_of
from review.domain.roles import Action, Role, can, in_scope
from zairyu_shared.db import reading, transaction

from .web_auth import client_ip, login_required, runtime

bp = Blueprint("admin", __name__)
CREATABLE = [r.value for r in Role]


def _require_admin():
    officer = g.officer
    if officer.bureau is None or not can(officer, Action.MANAGE_OFFICERS, officer.bureau, office=officer.office):
        abort(403)
    return officer.bureau


def _page(rows, bureau, created=None, approved=None):
    # A bureau administrator creates accounts for the bureau or any of its offices; an office's only for it.
    choices = [OFFICES[g.officer.office]] if g.officer.office else offices_of(bureau)
    return render_template(
        "officers.html",
        rows=rows,
        roles=CREATABLE,
        bureau=bureau,
        created=created,
        approved=approved,
        offices=OFFICES,
        office_choices=choices,
        link_days=LINK_VALID.days,
    )


@bp.get("/admin/officers")
@login_required
def officers():
    bureau = _require_admin()
    with transaction(runtime().session_factory) as s:
        rows = accounts.list_officers(s, bureau, g.officer.office)
    return _page(rows, bureau)


@bp.post("/admin/officers")
@login_required
def create():
    """A new account waits for a second administrator; its creator gets an enrolment link, never
    credentials (issue 15, finding 4: one administrator could decide cases through accounts they made)."""
    bureau = _require_admin()
    username = request.form.get("username", "").strip()
    display_name = request.form.get("display_name", "").strip()
    staff_id = request.form.get("staff_id", "").strip()
    role = request.form.get("role", "")
    office = g.officer.office or request.form.get("office") or None
    if not username or not display_name or role not in CREATABLE or len(username) > 80 or len(display_name) > 200:
        flash(_("Enter a user name, a display name and a role."), "error")
        return redirect(url_for("admin.officers"))
    if not valid_staff_id(staff_id):
        flash(_("Enter the officer's staff number (letters, digits, '.', '_' or '-', up to 40)."), "error")
        return redirect(url_for("admin.officers"))
    if office is not None and (office not in OFFICES or OFFICES[office].bureau != bureau):
        flash(_("Choose an office of your bureau."), "error")
        return redirect(url_for("admin.officers"))
    try:
        with transaction(runtime().session_factory) as s:
            if enrolments.staff_id_taken(s, staff_id):
                raise SecondPersonRequired("one live account per person")
            officer_id, token = enrolments.create_pending_officer(
                s,
                username=username,
                display_name=display_name,
                role=role,
                bureau=bureau,
                office=office,
                staff_id=staff_id,
                created_by=g.officer.id,
            )
            audit.append(
                s,
                g.officer.id,
                "officer.created",
                bureau=bureau,
                target=officer_id,
                ip=client_ip(),
                detail={
                    "username": username,
                    "role": role,
                    "office": office,
                    "staff_id": staff_id,
                    "enrolment": "pending_approval",
                },
            )
            rows = accounts.list_officers(s, bureau, g.officer.office)
    except SecondPersonRequired:
        flash(_("That staff number already has an account (yours, or a live one): one account per person."), "error")
        return redirect(url_for("admin.officers"))
    except IntegrityError:  # a taken user name (or a staff number taken at the same moment)
        flash(_("That user name is taken."), "error")
        return redirect(url_for("admin.officers"))
    # Shown once, on this response only; only the link's hash is stored.
    created = {"username": username, "link": url_for("enrol.page", token=token, _external=True)}
    return _page(rows, bureau, created=created)


@bp.post("/admin/officers/<officer_id>/<what>")
@login_required
def change(officer_id, what):
    bureau = _require_admin()
    if officer_id == g.officer.id:
        abort(400)
    if what == "approve":
        return _approve(officer_id, bureau)
    if what not in ("unlock", "deactivate", "activate", "withdraw"):
        abort(404)
    try:
        with transaction(runtime().session_factory) as s:
            if what == "unlock":
                done = accounts.unlock(s, officer_id, bureau, g.officer.office)
            elif what == "withdraw":
                done = enrolments.withdraw_officer(s, officer_id, bureau, g.officer.office)
            else:
                done = accounts.set_active(s, officer_id, bureau, what == "activate", g.officer.office)
            if not done:
                abort(404)
            audit.append(s, g.officer.id, f"officer.{what}", bureau=bureau, target=officer_id, ip=client_ip())
    except IntegrityError:  # re-activating an old account of someone who has a live one: one per person
        flash(_("That staff number already has an account (yours, or a live one): one account per person."), "error")
    return redirect(url_for("admin.officers"))


def _approve(officer_id, bureau):
    """The second administrator's approval; they get the code the officer needs besides the link."""
    try:
        with transaction(runtime().session_factory) as s:
            code = enrolments.approve_officer(s, officer_id, g.officer.id, bureau, g.officer.office)
            audit.append(s, g.officer.id, "officer.approved", bureau=bureau, target=officer_id, ip=client_ip())
            rows = accounts.list_officers(s, bureau, g.officer.office)
    except LookupError:
        abort(404)
    except SecondPersonRequired:
        with transaction(runtime().session_factory) as s:
            audit.append(
                s,
                g.officer.id,
                "officer.approval_refused",
                bureau=bureau,
                target=officer_id,
                ip=client_ip(),
                detail={"reason": "second_person_required"},
            )
        flash(
            _("Another administrator must approve this account: not the one who created it, and not its own officer."),
            "error",
        )
        return redirect(url_for("admin.officers"))
    except ValueError:
        flash(_("This account is not waiting for approval."), "error")
        return redirect(url_for("admin.officers"))
    username = next((r.username for r in rows if r.id == officer_id), "")
    return _page(rows, bureau, approved={"username": username, "code": code})


@bp.get("/cases/<application_id>/audit")
@login_required
def case_audit(application_id):
    rt = runtime()
    try:
        with transaction(rt.session_factory) as s:
            row = casework.load_case(s, application_id)
    except casework.NotFound:
        abort(404)
    if not in_scope(g.officer, row.bureau, row.office):
        abort(404)
    if not can(g.officer, Action.VIEW_AUDIT, row.bureau, office=row.office):
        abort(403)
    with reading(rt.engine) as conn:
        entries = audit.entries(conn, application_id=application_id)
    with transaction(rt.session_factory) as s:
        # An auditor's own page: its purpose is the audit (issue 22).
        audit.append(
            s,
            g.officer.id,
            "audit.viewed",
            bureau=row.bureau,
            application_id=application_id,
            ip=client_ip(),
            purpose="audit",
        )
    return render_template(
        "case_audit.html", entries=entries, receipt_number=row.receipt_number, application_id=application_id
    )
