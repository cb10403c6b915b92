"""Applying: procedure choice with the rules explained, the multi-step form, review, sign & submit."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from intake.application import draft_limits, drafting, submission
from intake.application.common import today_jst
from intake.domain import filers, form, procedures
from zairyu_shared.web import current_runtime

from .. import documents
from ..applicant_session import login_required, pdf_response, person, tx

bp = Blueprint("apply", __name__, url_prefix="/apply")


@bp.route("", methods=["GET", "POST"])
@login_required
def choose():
    error = None
    if request.method == "POST":
        try:
            with tx() as db:
                draft_id = drafting.create(
                    db,
                    g.applicant_id,
                    request.form.get("procedure", ""),
                    request.form.getlist("bundled"),
                    request.form.get("filer_role") or filers.SELF,
                )
        except drafting.DraftError as exc:
            error = exc.key
        else:
            return redirect(url_for("apply.step", draft_id=draft_id, n=0))
    return render_template(
        "apply_choose.html",
        main=procedures.MAIN,
        explain=procedures.explain,
        hosts=procedures.BUNDLE_HOSTS,
        error=error,
        numbers=procedures.NUMBERS,
        roles=filers.ROLES,
        chosen_role=request.form.get("filer_role") or filers.SELF,
    )


def _load(db, draft_id):
    draft = drafting.get(db, g.applicant_id, draft_id)
    if draft is None:
        abort(404)  # someone else's draft does not exist for this applicant
    if draft.submitted_application_id and request.endpoint != "apply.sign":
        # Back after submitting, or an old bookmark: the draft is now an application; its page, not a dead end.
        abort(redirect(url_for("status.application", application_id=draft.submitted_application_id), 303))
    return draft


def _sections(draft) -> tuple[form.Choice, list[str]]:
    choice = drafting.choice_of(draft)
    raw = drafting.data(draft)
    governing = (
        raw.get("desired_status") if procedures.needs_desired_status(draft.procedure) else raw.get("current_status")
    )
    return choice, form.sections_for(choice, governing)


@bp.route("/<draft_id>/step/<int:n>", methods=["GET", "POST"])
@login_required
def step(draft_id, n):
    errors: dict = {}
    with tx() as db:
        draft = _load(db, draft_id)
        choice, sections = _sections(draft)
        if n < 0 or n >= len(sections):
            return redirect(url_for("apply.attachments", draft_id=draft_id))
        section = sections[n]
        if request.method == "POST":
            fields = {f.name: request.form.get(f.name, "") for f in form.fields_for(choice, section)}
            try:
                drafting.save(db, g.applicant_id, draft_id, fields, step=n)
            except draft_limits.DraftRefused as exc:  # nothing saved: the page says which field is too long
                return render_template(
                    "apply_step.html",
                    draft=draft,
                    choice=choice,
                    sections=sections,
                    n=n,
                    section=section,
                    fields=form.fields_for(choice, section),
                    values={**drafting.data(draft), **fields},
                    errors=exc.errors,
                    saved=False,
                ), 400
            draft = _load(db, draft_id)
            _, errors = form.validate_section(choice, section, fields)
            # Eligibility (window, excluded statuses) is explained as soon as its fields are filled in.
            _, all_errors = form.validate(choice, drafting.data(draft), today_jst())
            names = {f.name for f in form.fields_for(choice, section)}
            errors.update(
                {
                    k: v
                    for k, v in all_errors.items()
                    if k in names and k not in errors and v.startswith(("eligibility.", "filer."))
                }
            )
            if not errors and request.form.get("action") != "save":
                _, sections = _sections(draft)
                return redirect(url_for("apply.step", draft_id=draft_id, n=n + 1))
    return render_template(
        "apply_step.html",
        draft=draft,
        choice=choice,
        sections=sections,
        n=n,
        section=section,
        fields=form.fields_for(choice, section),
        values=drafting.data(draft),
        errors=errors,
        saved=request.method == "POST" and request.form.get("action") == "save",
    )


@bp.route("/<draft_id>/attachments", methods=["GET", "POST"])
@login_required
def attachments(draft_id):
    from intake.adapters.upload_checks import UploadRefused

    error = None
    with tx() as db:
        draft = _load(db, draft_id)
        _, sections = _sections(draft)
    if request.method == "POST":
        upload = request.files.get("file")
        kind = request.form.get("kind", "")
        if upload is None or not upload.filename:
            error = "upload.empty"
        else:
            try:
                with tx() as db:
                    drafting.add_attachment(
                        current_runtime(), db, g.applicant_id, upload.read(), kind, upload.filename, draft_id=draft_id
                    )
            except UploadRefused as exc:
                error = exc.key  # shown to the applicant: a refused file is never dropped silently
            else:
                return redirect(url_for("apply.attachments", draft_id=draft_id))
    with tx() as db:
        files = drafting.attachments_of_draft(db, g.applicant_id, draft_id)
        used = drafting.total_size(db, g.applicant_id, draft_id=draft_id)
    return render_template(
        "apply_attachments.html",
        draft=draft,
        files=files,
        error=error,
        kinds=drafting.DOCUMENT_KINDS,
        sections=sections,
        used=used,
        limit=current_runtime().settings.max_upload_bytes,
    ), (400 if error else 200)


@bp.post("/<draft_id>/attachments/<attachment_id>/remove")
@login_required
def remove_attachment(draft_id, attachment_id):
    with tx() as db:
        _load(db, draft_id)
        if not drafting.remove_attachment(db, g.applicant_id, attachment_id):
            abort(404)
    return redirect(url_for("apply.attachments", draft_id=draft_id))


@bp.get("/<draft_id>/review")
@login_required
def review(draft_id):
    with tx() as db:
        draft = _load(db, draft_id)
        me = person(db)
        r = submission.review(db, me, draft, online_payment=submission.online_payment(current_runtime()))
        _, sections = _sections(draft)
    return render_template(
        "apply_review.html",
        draft=draft,
        r=r,
        me=me,
        sections=sections,
        idempotency_key=str(uuid.uuid4()),
        form_fields=form.fields_for,
    )


@bp.get("/<draft_id>/draft.pdf")
@login_required
def draft_pdf(draft_id):
    """The draft as it stands, to print, check on paper or show someone before signing: marked unsigned."""
    with tx() as db:
        draft = _load(db, draft_id)
        r = submission.review(db, person(db), draft, online_payment=submission.online_payment(current_runtime()))
    return pdf_response(documents.draft(r), f"draft-{draft.id[:8]}.pdf")


@bp.post("/<draft_id>/sign")
@login_required
def sign(draft_id):
    key = request.form.get("idempotency_key") or ""
    try:
        uuid.UUID(key)
    except ValueError:
        abort(400)
    try:
        with tx() as db:
            me = person(db)
            code = submission.prepare(current_runtime(), db, me, draft_id, key)
    except submission.NotReady:
        return redirect(url_for("apply.review", draft_id=draft_id))
    except drafting.DraftError as exc:
        if exc.key == "submit.already_submitted":
            return redirect(url_for("status.applications"))
        abort(404)
    session["codes"] = (session.get("codes", []) + [code])[-5:]
    return redirect(url_for("signing.wait", code=code))
