"""Drafts: the list, deletion, and the autosave endpoint the form's script calls."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for

from intake.application import draft_limits, drafting

from ..applicant_session import login_required, tx
from ..messages import message

bp = Blueprint("drafts", __name__, url_prefix="/drafts")


@bp.get("")
@login_required
def index():
    with tx() as db:
        rows = drafting.mine(db, g.applicant_id)
        deleted = drafting.recently_deleted(db, g.applicant_id)
    return render_template(
        "drafts.html",
        drafts=rows,
        deleted=deleted,
        just_deleted=request.args.get("deleted"),
        undo_minutes=int(drafting.UNDO_WINDOW.total_seconds() // 60),
    )


@bp.post("/<draft_id>/autosave")
@functools.partial(login_required, answer_401=True)  # the script says "not saved: log in", nothing is lost
def autosave(draft_id):
    """Called every few seconds by static/autosave.js (the form also saves on every step without JS)."""
    fields = {k: v for k, v in request.form.items() if k not in ("csrf_token", "step", "action")}
    try:
        with tx() as db:
            drafting.save(db, g.applicant_id, draft_id, fields)
    except drafting.DraftError:
        abort(404)
    except draft_limits.DraftRefused as exc:
        return jsonify(
            saved=False, error=exc.key, message=message(exc.key), fields={k: message(v) for k, v in exc.errors.items()}
        ), 422
    return jsonify(saved=True)


@bp.route("/<draft_id>/delete", methods=["GET", "POST"])
@login_required
def delete(draft_id):
    """GET: what would be deleted, and a confirmation; POST: hidden at once, restorable for UNDO_WINDOW."""
    with tx() as db:
        draft = drafting.get(db, g.applicant_id, draft_id)
        if draft is None:
            abort(404)
        if request.method == "GET":
            files = drafting.attachments_of_draft(db, g.applicant_id, draft_id)
            return render_template(
                "draft_delete.html", d=draft, files=files, undo_minutes=int(drafting.UNDO_WINDOW.total_seconds() // 60)
            )
        drafting.delete(db, g.applicant_id, draft_id)
    return redirect(url_for("drafts.index", deleted=draft_id))


@bp.post("/<draft_id>/restore")
@login_required
def restore(draft_id):
    try:
        with tx() as db:
            restored = drafting.restore(db, g.applicant_id, draft_id)
    except drafting.DraftError as exc:
        return render_template("message.html", title_key=exc.key), 409
    if not restored:
        abort(404)  # too late, or not theirs
    return redirect(url_for("drafts.index"))
