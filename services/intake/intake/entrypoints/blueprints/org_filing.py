"""An organisation's staff sign and file its drafts (issue 21): the draft's page (checks, attachments), the list
of drafts, and a batch of signing codes redeemed in one card session (``zairyu-signer redeem CODE CODE ...``).

Every route is the staff session's (blueprints/organisations.staff_required) and scoped to its organisation: another
organisation's draft or batch is not found.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from intake.application import drafting, organisation_filing, submission
from intake.application import organisations as orgs
from zairyu_shared.web import current_runtime

from ..applicant_session import tx
from .organisations import ERRORS, FIELD_LABELS, _org_globals, checked_batch_key, staff_required

bp = Blueprint("org_filing", __name__, url_prefix="/org")
bp.context_processor(_org_globals)  # the organisation pages' labels and messages

ERRORS.update(
    {
        "org.error.needs_account": _l(
            "This person consented with a signed document. To file online, they also consent from their own "
            "account: the application is then theirs, and they follow it there."
        ),
        "org.error.staff_removed": _l(
            "The staff member who prepared this signature no longer works for the organisation."
        ),
        "org.error.nothing_chosen": _l("Choose at least one draft that is ready to sign."),
    }
)
FIELD_LABELS.update({"photo": _l("Photo"), "draft": _l("Draft"), "medical_certificate": _l("Medical certificate")})


@bp.get("/drafts")
@staff_required
def drafts():
    with tx() as db:
        listed = organisation_filing.drafts(db, g.member)
        standing = orgs.standing(db, g.member.organisation_id)
    return render_template("org_drafts.html", drafts=listed, org=standing, batch_key=str(uuid.uuid4()), problems={})


@bp.get("/drafts/<draft_id>")
@staff_required
def draft(draft_id):
    from intake.application import organisation_drafts

    with tx() as db:
        try:
            found = organisation_filing.check(
                db, g.member, draft_id, online_payment=submission.online_payment(current_runtime())
            )
        except organisation_filing.NotFound:
            abort(404)
        try:  # the sections staff may correct, and which section holds each field a problem names
            editable = organisation_drafts.editable(db, g.member, draft_id)
        except organisation_drafts.NotFound:  # filed: the record of what was filed
            editable = None
    section_of = (
        {f.name: s for s in editable.sections for f in organisation_drafts.editable_fields(editable, s)}
        if editable
        else {}
    )
    return render_template(
        "org_draft.html",
        found=found,
        kinds=drafting.DOCUMENT_KINDS,
        batch_key=str(uuid.uuid4()),
        upload_error=request.args.get("upload_error"),
        editable=editable,
        section_of=section_of,
        corrected=request.args.get("corrected"),
    )


@bp.route("/drafts/<draft_id>/sections/<section>", methods=["GET", "POST"])
@staff_required
def correct(draft_id, section):
    """Correct one section of a draft not yet filed: the form's own fields and checks, errors per field in the
    staff member's language; nothing is saved while a value is refused."""
    from intake.application import organisation_drafts

    errors: dict[str, str] = {}
    try:
        with tx() as db:
            found = organisation_drafts.editable(db, g.member, draft_id)
    except organisation_drafts.NotFound:
        abort(404)
    if section not in found.sections:
        abort(404)
    values = dict(found.data)
    if request.method == "POST":
        submitted = {f.name: request.form.get(f.name, "") for f in organisation_drafts.editable_fields(found, section)}
        try:
            with tx() as db:
                organisation_drafts.correct(db, g.member, draft_id, section, submitted)
        except organisation_drafts.NotFound:
            abort(404)
        except orgs.NotAllowedToFile:
            errors = {"draft": "org.error.not_allowed"}
        except organisation_drafts.NotAllowed as refused:
            errors = {"card_number": refused.key}
        except orgs.Invalid as invalid:
            errors = invalid.errors
        else:
            return redirect(url_for("org_filing.draft", draft_id=draft_id, corrected=section) + "#form-sections")
        values.update(submitted)
    return render_template(
        "org_draft_section.html",
        found=found,
        section=section,
        fields=organisation_drafts.editable_fields(found, section),
        values=values,
        errors=errors,
    ), (400 if errors else 200)


@bp.post("/drafts/<draft_id>/attachments")
@staff_required
def attach(draft_id):
    from intake.adapters.upload_checks import UploadRefused

    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    try:
        with tx() as db:
            organisation_filing.add_attachment(
                current_runtime(),
                db,
                g.member,
                draft_id,
                kind,
                upload.read() if upload else b"",
                upload.filename if upload else None,
            )
    except organisation_filing.NotFound:
        abort(404)
    except UploadRefused as refused:
        return redirect(url_for("org_filing.draft", draft_id=draft_id, upload_error=refused.key))
    return redirect(url_for("org_filing.draft", draft_id=draft_id))


@bp.post("/drafts/<draft_id>/delete")
@staff_required
def delete(draft_id):
    try:
        with tx() as db:
            organisation_filing.delete(db, g.member, draft_id)
    except organisation_filing.NotFound:
        abort(404)
    return redirect(url_for("org_filing.drafts"))


@bp.post("/drafts/sign")
@staff_required
def sign():
    """One signing code per chosen draft; all of them or none (a draft not ready is named with its problems)."""
    key = checked_batch_key(request.form.get("batch_key", ""), refused=400)
    chosen = request.form.getlist("draft")
    try:
        with tx() as db:
            organisation_filing.prepare(current_runtime(), db, g.member, chosen, key)
    except organisation_filing.NotReady as not_ready:
        with tx() as db:
            listed = organisation_filing.drafts(db, g.member)
            standing = orgs.standing(db, g.member.organisation_id)
        problems = not_ready.problems or {"": {"draft": "org.error.nothing_chosen"}}
        return render_template(
            "org_drafts.html", drafts=listed, org=standing, batch_key=str(uuid.uuid4()), problems=problems
        ), 400
    except organisation_filing.NotFound:
        abort(404)
    except orgs.NotAllowedToFile:
        abort(403)
    return redirect(url_for("org_filing.batch", batch_key=key))


@bp.get("/signing/<batch_key>")
@staff_required
def batch(batch_key):
    checked_batch_key(batch_key, refused=404)
    with tx() as db:
        items = organisation_filing.batch(db, g.member, batch_key)
    if not items:
        abort(404)
    server = (current_runtime().settings.public_url or request.host_url).rstrip("/")
    return render_template("org_signing.html", items=items, batch_key=batch_key, server=server)


# -- the bureau's document requests, answered for the person --------------------------------------------------
@bp.get("/applications/<application_id>/documents/<request_id>")
@staff_required
def documents(application_id, request_id):
    from intake.application import organisation_requests

    try:
        with tx() as db:
            found = organisation_requests.request_page(db, g.member, application_id, request_id)
    except organisation_requests.NotFound:
        abort(404)
    return render_template("org_documents.html", found=found, error=request.args.get("error"))


@bp.post("/applications/<application_id>/documents/<request_id>/upload")
@staff_required
def documents_upload(application_id, request_id):
    from intake.adapters.upload_checks import UploadRefused
    from intake.application import organisation_requests

    upload = request.files.get("file")
    error = None
    try:
        with tx() as db:
            organisation_requests.attach(
                current_runtime(),
                db,
                g.member,
                application_id,
                request_id,
                upload.read() if upload else b"",
                upload.filename if upload else None,
            )
    except organisation_requests.NotFound:
        abort(404)
    except UploadRefused as refused:
        error = refused.key
    return redirect(url_for("org_filing.documents", application_id=application_id, request_id=request_id, error=error))


@bp.post("/applications/<application_id>/documents/<request_id>/submit")
@staff_required
def documents_submit(application_id, request_id):
    from intake.application import following, organisation_requests

    try:
        with tx() as db:
            organisation_requests.answer(
                current_runtime(), db, g.member, application_id, request_id, request.form.get("message", "")
            )
    except organisation_requests.NotFound:
        abort(404)
    except following.FollowError as refused:
        return redirect(
            url_for("org_filing.documents", application_id=application_id, request_id=request_id, error=refused.key)
        )
    return redirect(url_for("org.dashboard", answered=1) + "#filed")
