"""Organisational users' pages (issue 21): apply for use, staff sign-in, the organisation's dashboard.

A staff session is its own (``org_staff`` in the cookie session, never an applicant's ``applicant_id``), and
every request checks that the member has not been removed, so a member who leaves is out at once.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

import segno
from flask import Blueprint, Response, abort, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from intake.application import organisations as orgs
from intake.application.common import now
from intake.domain.organisations import AGENT_QUALIFICATIONS, KINDS
from zairyu_shared import credentials
from zairyu_shared.web import current_runtime

from ..applicant_session import tx
from ..limits import LOGIN, REGISTER, limiter

bp = Blueprint("org", __name__, url_prefix="/org")

KIND_LABELS = {
    "employer": _l("Employer (receiving organisation)"),
    "school": _l("School (receiving organisation)"),
    "supervising_organisation": _l("Supervising organisation"),
    "support_organisation": _l("Registered support organisation"),
    "public_interest_corporation": _l("Public-interest corporation"),
    "agent_office": _l("Licensed agent's office (gyoseishoshi or lawyer)"),
}
QUALIFICATION_LABELS = {"gyoseishoshi": _l("Gyoseishoshi (administrative scrivener)"), "lawyer": _l("Lawyer")}
# The bureau's answer to the organisation's application for use (利用申出) is an approval (承認), not the permission
# (許可) an application of a foreign national is decided with: its own context, so the words never mix
# (ISA, online-riyoumoushide.html: 利用申出…利用の承認を受ける必要があります).
STANDING_LABELS = {
    "pending": _l("Waiting for the bureau's decision"),
    "approved": _lp("organisation use", "Approved"),
    "refused": _lp("organisation use", "Refused"),
    "lapsed": _l("Approval lapsed: renew it before filing again"),
}
FIELD_LABELS = {
    "name": _l("Organisation name"),
    "kind": _l("Kind of organisation"),
    "address": _l("Organisation address"),
    "corporate_number": _l("Corporate number (13 digits)"),
    "agent_qualification": _l("Qualification"),
    "agent_number": _l("Agent's registration number"),
    "email": _l("Your e-mail address (administrator)"),
    "admin_name": _l("Your name (administrator)"),
    "password": _l("Password (at least 10 characters)"),
}
ERRORS = {
    "error.required": _l("This field is required."),
    "error.email": _l("Enter a valid e-mail address."),
    "error.password_short": _l("Choose a password of at least 10 characters."),
    "error.corporate_number": _l("This corporate number is not valid (13 digits; check the first digit)."),
    "error.agent_number": _l("Enter the registration number: 3 to 20 letters and digits."),
    "org.error.address_prefecture": _l("Write the prefecture in the address, so that we know which bureau decides."),
    "org.error.email_taken": _l("This e-mail address already belongs to an organisation's staff account."),
    "org.error.sign_in": _l("Wrong e-mail address, password or code."),
    "org.error.locked": _l("Too many failed attempts: try again in 15 minutes."),
    "org.error.corporate_number_unknown": _l(
        "This corporate number is not in the National Tax Agency's published list. Check it on the Corporate "
        "Number Publication Site; a corporation designated in the last few days can apply once the list is updated."
    ),
    "org.error.corporate_number_closed": _l(
        "The National Tax Agency's published list lists this corporation as closed (its registration was closed, "
        "for example after liquidation or a merger)."
    ),
}


def staff_id() -> str | None:
    return session.get("org_staff")


def staff_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with tx() as db:
            member = orgs.active_member(db, staff_id())
        if member is None:
            session.pop("org_staff", None)
            if request.path.startswith("/org/api/"):
                abort(401)
            return redirect(url_for("org.login"))
        g.member = member
        return view(*args, **kwargs)

    return wrapper


def checked_batch_key(value: str, *, refused: int) -> str:
    """A batch's key as the page made it: a UUID, what a batch of signing codes or filings is known by (the same
    key again answers what it did, once), or the request ends with ``refused`` (400: a form's; 404: an address's)."""
    try:
        uuid.UUID(value)
    except ValueError:
        abort(refused)
    return value


SIGNED_IN_AT = "org_signed_in_at"


@bp.after_app_request
def _note_the_sign_in(response):
    """When the staff session began (password + TOTP at /org/login): a step-up's attestation names it. The login
    view makes a fresh session on success (no fixation); this stamps that fresh session, once."""
    if request.endpoint == "org.login" and request.method == "POST" and session.get("org_staff"):
        session.setdefault(SIGNED_IN_AT, now().isoformat())
    return response


def staff_signed_in_at() -> datetime:
    """When this staff session signed in, for a route that takes a fresh TOTP code (a step-up: filing without a
    card, a correction or withdrawal without a card). A session from before sign-in times were kept has none: it
    is ended and the request ends with the way to the sign-in page (raised: abort with the redirect)."""
    try:
        return datetime.fromisoformat(session[SIGNED_IN_AT])
    except (KeyError, TypeError, ValueError):
        session.pop("org_staff", None)
        abort(redirect(url_for("org.login")))


def admin_required(view):
    @functools.wraps(view)
    @staff_required
    def wrapper(*args, **kwargs):
        if not g.member.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


CONSENT_LABELS = {
    "none": _l("Not yet given"),
    "account": _l("Given from their own account"),
    "document": _l("Signed consent document"),
    "expired": _l("Signed consent document: its last day has passed"),
}


def org_msg(key: str | None) -> str:
    """An organisation page's message key in the visitor's language (the form's own keys through messages.py)."""
    from ..messages import message

    return str(ERRORS[key]) if key in ERRORS else message(key)


def org_label(name: str) -> str:
    from .. import labels

    return str(FIELD_LABELS[name]) if name in FIELD_LABELS else labels.label(labels.FIELDS, name)


@bp.context_processor
def _org_globals():
    return {
        "kind_labels": KIND_LABELS,
        "qualification_labels": QUALIFICATION_LABELS,
        "org_msg": org_msg,
        "org_label": org_label,
        "standing_labels": STANDING_LABELS,
        "consent_labels": CONSENT_LABELS,
    }


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(REGISTER, methods=["POST"])
def apply():
    errors: dict[str, str] = {}
    values = {
        k: request.form.get(k, "")
        for k in (
            "name",
            "kind",
            "address",
            "corporate_number",
            "agent_qualification",
            "agent_number",
            "email",
            "admin_name",
        )
    }
    if request.method == "POST":
        from ..web import select_locale

        try:
            with tx() as db:
                done = orgs.apply_for_use(
                    current_runtime(),
                    db,
                    values,
                    values["email"],
                    request.form.get("password", ""),
                    select_locale(),
                    admin_name=values["admin_name"],
                )
        except orgs.Invalid as invalid:
            errors = invalid.errors
        else:
            uri = credentials.totp_uri(done.totp_secret, values["email"], "Zairyu organisation")
            qr = segno.make(uri, error="m").svg_data_uri(scale=4)
            return render_template("org_applied.html", secret=done.totp_secret, qr=qr)
    return render_template(
        "org_apply.html", values=values, errors=errors, kinds=KINDS, qualifications=AGENT_QUALIFICATIONS
    ), (400 if errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN, methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        with tx() as db:
            who, outcome = orgs.staff_sign_in(
                current_runtime(),
                db,
                request.form.get("email", ""),
                request.form.get("password", ""),
                request.form.get("code", ""),
            )
        if who is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on every sign-in (no fixation)
            session.permanent = True
            if lang:
                session["lang"] = lang
            session["org_staff"] = who
            return redirect(url_for("org.dashboard"))
        error = "org.error.locked" if outcome is credentials.Outcome.LOCKED else "org.error.sign_in"
    return render_template("org_login.html", error=error, email=request.form.get("email", "")), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.pop("org_staff", None)
    return redirect(url_for("org.login"))


@bp.get("/")
@staff_required
def dashboard():
    from intake.application import organisation_dashboard, organisation_people

    with tx() as db:
        standing = orgs.standing(db, g.member.organisation_id)
        listed = organisation_people.roster(db, g.member.organisation_id)
        waiting = organisation_dashboard.waiting_drafts(db, g.member.organisation_id)
        filed = organisation_dashboard.filed(db, g.member.organisation_id)
    return render_template(
        "org_dashboard.html", org=standing, member=g.member, people=listed, waiting=waiting, filed=filed
    )


# -- staff: invitations and removal (the administrator) ---------------------------------------------------
STAFF_ERRORS = {
    "org.error.invitation": _l("This invitation link is not valid any more. Ask your administrator for a new one."),
    "org.error.remove_self": _l("You cannot remove yourself."),
}
ERRORS.update(STAFF_ERRORS)
FIELD_LABELS.update({"token": _l("Invitation"), "staff": _l("Staff")})


@bp.route("/staff", methods=["GET", "POST"])
@admin_required
def staff():
    from intake.application import organisation_staff

    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with tx() as db:
                organisation_staff.invite(
                    current_runtime(),
                    db,
                    g.member,
                    request.form.get("email", ""),
                    request.form.get("language", "ja"),
                    name=request.form.get("name"),
                )
            return redirect(url_for("org.staff", invited=1))
        except orgs.Invalid as invalid:
            errors = invalid.errors
    with tx() as db:
        listed = organisation_staff.members(db, g.member.organisation_id)
    from ..web import LANGUAGE_NAMES

    return render_template(
        "org_staff.html",
        members=listed,
        errors=errors,
        languages_offered=LANGUAGE_NAMES,
        invited=request.args.get("invited"),
    ), (400 if errors else 200)


@bp.post("/staff/<staff_id>/remove")
@admin_required
def remove_staff(staff_id):
    from intake.application import organisation_staff

    try:
        with tx() as db:
            organisation_staff.remove(current_runtime(), db, g.member, staff_id)
    except organisation_staff.NotFound:
        abort(404)
    except orgs.Invalid:
        abort(400)
    return redirect(url_for("org.staff"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(REGISTER, methods=["POST"])
def accept_invitation(token):
    from intake.application import organisation_staff

    error = None
    name = request.form.get("name", "")
    if request.method == "POST":
        try:
            with tx() as db:
                done = organisation_staff.accept(db, token, request.form.get("password", ""), name)
        except orgs.Invalid as invalid:
            error = next(iter(invalid.errors.values()))
        else:
            uri = credentials.totp_uri(done.totp_secret, done.email, "Zairyu organisation")
            return render_template(
                "org_applied.html",
                secret=done.totp_secret,
                qr=segno.make(uri, error="m").svg_data_uri(scale=4),
                accepted=True,
            )
    else:
        with tx() as db:
            if not organisation_staff.invitation_valid(db, token):
                error = "org.error.invitation"
            name = organisation_staff.invited_name(db, token) or ""
    return render_template("org_invite.html", error=error, name=name), (400 if error else 200)


# -- people: roster, consent ------------------------------------------------------------------------------
PEOPLE_ERRORS = {
    "error.date": _l("Enter a date as YYYY-MM-DD (for example 2027-01-31)."),
    "error.card_number": _l("Enter the residence card number: 2 letters, 8 digits, 2 letters (AB12345678CD)."),
    "error.choice": _l("Choose one of the options."),
    "error.too_long": _l("This is too long."),
    "org.error.not_on_roster": _l("No one with this residence card number is on your list of people."),
    "org.error.no_consent": _l("This person has not consented to the organisation filing for them."),
    "org.error.duplicate_row": _l("This person already has a row for this procedure in the file."),
    "org.error.csv_header": _l("The first row must name the columns, among them card_number and procedure."),
    "org.error.csv_encoding": _l("Save the file as CSV in UTF-8."),
    "org.error.csv_rows": _l("The file must have between 1 and 500 rows."),
    "org.error.csv_cells": _l("This row has more cells than the first row names."),
    "org.error.csv_too_large": _l("The file is too large (2 MB at most)."),
    "org.error.not_allowed": _l(
        "Nothing can be filed in the organisation's name until the bureau's approval is current."
    ),
    "draft.unknown_field": _l("This application form has no such field."),
    "org.error.consent_until_past": _l("The last day the consent covers cannot be in the past."),
    "org.error.consent_until_far": _l("A consent document can cover at most 5 years from today."),
    "org.error.consent_from_account": _l(
        "This person consented from their own account: no consent document is needed while that consent stands."
    ),
}
ERRORS.update(PEOPLE_ERRORS)
FIELD_LABELS.update(
    {
        "person_name": _l("Name (as in the passport)"),
        "nationality": _l("Nationality"),
        "date_of_birth": _l("Date of birth"),
        "status": _l("Status of residence"),
        "period_of_stay": _l("Period of stay"),
        "period_expiry": _l("Date of expiry of the period of stay"),
        "card_number": _l("Residence card number"),
        "file": _l("File"),
        "procedure": _l("Procedure"),
        "consent_until": _l("Last day the consent covers (as the document says)"),
        "document": _l("Signed consent document"),
    }
)


def _errors_for_template(errors: dict[str, str]) -> dict[str, str]:
    return {("person_name" if k == "name" else k): v for k, v in errors.items()}


@bp.route("/people", methods=["GET", "POST"])
@staff_required
def people():
    from intake.application import organisation_people

    errors: dict[str, str] = {}
    values = {k: request.form.get(k, "") for k in organisation_people.PERSON_FIELDS}
    if request.method == "POST":
        try:
            with tx() as db:
                organisation_people.add(current_runtime(), db, g.member.organisation_id, values)
            return redirect(url_for("org.people"))
        except orgs.Invalid as invalid:
            errors = _errors_for_template(invalid.errors)
    return _people_page(errors, values)


def _people_page(errors: dict[str, str], values: dict[str, str], consent_error: tuple[str, str] | None = None):
    """The roster page; ``consent_error``: (person id, message key) shown on that person's consent document form."""
    from intake.application import organisation_people
    from intake.domain import statuses

    with tx() as db:
        listed = organisation_people.roster(db, g.member.organisation_id)
    return render_template(
        "org_people.html",
        people=listed,
        errors=errors,
        values={("person_name" if k == "name" else k): v for k, v in values.items()},
        status_codes=[s.code for s in statuses.STATUSES],
        consent_error=consent_error,
    ), (400 if errors or consent_error else 200)


@bp.post("/people/<person_id>/consent-link")
@staff_required
def consent_link(person_id):
    from intake.application import organisation_people

    try:
        with tx() as db:
            link = organisation_people.consent_link(current_runtime(), db, g.member.organisation_id, person_id)
    except organisation_people.NotFound:
        abort(404)
    return render_template("org_consent_link.html", link=link)


@bp.post("/people/<person_id>/consent-document")
@staff_required
def consent_document(person_id):
    """The person's signed consent document (PDF, JPEG or PNG) and the last day it covers."""
    from intake.adapters.upload_checks import UploadRefused
    from intake.application import organisation_people

    upload = request.files.get("document")
    try:
        with tx() as db:
            organisation_people.record_consent_document(
                current_runtime(),
                db,
                g.member.organisation_id,
                person_id,
                upload.read() if upload else b"",
                request.form.get("consent_until"),
            )
    except organisation_people.NotFound:
        abort(404)
    except orgs.Invalid as invalid:
        return _people_page({}, {}, (person_id, next(iter(invalid.errors.values()))))
    except UploadRefused as refused:
        return _people_page({}, {}, (person_id, refused.key))
    return redirect(url_for("org.people") + f"#person-{person_id}")


@bp.get("/people/<person_id>/consent-document")
@staff_required
def consent_document_file(person_id):
    """The recorded consent document, as it was uploaded (sealed under the roster entry's key)."""
    from intake.application import organisation_people

    try:
        with tx() as db:
            found = organisation_people.consent_document(current_runtime(), db, g.member.organisation_id, person_id)
    except organisation_people.NotFound:
        abort(404)
    if found is None:
        abort(404)
    data, media_type = found
    return Response(
        data,
        mimetype=media_type,
        headers={
            "Content-Disposition": "inline",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/people/<person_id>/consent-document/withdraw")
@staff_required
def consent_document_withdraw(person_id):
    """The person withdrew the consent their document gave (on paper, in person): recorded at once."""
    from intake.application import organisation_people

    try:
        with tx() as db:
            organisation_people.withdraw_consent_document(db, g.member.organisation_id, person_id)
    except organisation_people.NotFound:
        abort(404)
    return redirect(url_for("org.people", withdrawn=1) + f"#person-{person_id}")


@bp.route("/consent/<token>", methods=["GET", "POST"])
def consent(token):
    """The person, signed in to their own account, consents to the organisation filing for them."""
    from intake.application import organisation_people

    from ..applicant_session import applicant_id

    if not applicant_id():
        return redirect(url_for("auth.login", next=request.path))
    with tx() as db:
        found = organisation_people.consent_request(db, token)
    if found is None:
        abort(404)
    if request.method == "POST":
        with tx() as db:
            organisation_people.give_consent(db, token, applicant_id())
        return render_template("org_message.html", message=_l("Thank you: your consent is recorded."))
    return render_template("org_consent.html", organisation=found.organisation_name, person=found.name)


# -- many at once: drafts from a CSV ---------------------------------------------------------------------
@bp.route("/drafts/import", methods=["GET", "POST"])
@staff_required
def import_drafts():
    from intake.application import organisation_drafts

    problems, imported = [], None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            with tx() as db:
                _batch, imported = organisation_drafts.import_csv(
                    current_runtime(), db, g.member, upload.read() if upload else b""
                )
        except organisation_drafts.ImportRefused as refused:
            problems = refused.problems
        except orgs.NotAllowedToFile:
            problems = [organisation_drafts.RowProblems(0, {"file": "org.error.not_allowed"})]
    return render_template("org_import.html", problems=problems, imported=imported), (400 if problems else 200)


@bp.post("/renew")
@admin_required
def renew():
    """The periodic report (定期報告): ask the bureau for another year of approval."""
    with tx() as db:
        orgs.send_periodic_report(current_runtime(), db, g.member)
    return render_template(
        "org_message.html",
        message=_l(
            "The periodic report was sent: the bureau will decide on another year. The current approval runs on "
            "until then."
        ),
    )
