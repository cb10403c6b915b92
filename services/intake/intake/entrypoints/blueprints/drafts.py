"""Drafts: the list, deletion, and the autosave endpoint the form's script calls."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for

from intake.application import draft_limits, drafting

from ..messages import message
from ..web_support import login_required, tx

bp = Blueprint("drafts", __name__, url_prefix="/drafts")


@bp.get("")
@login_required
def index():
    with tx() as db:
        rows = drafting.mine(db, g.applicant_id)
    return render_template("drafts.html", drafts=rows)


@bp.post("/<draft_id>/autosave")
@login_required
def autosave(draft_id):
    """Called every few seconds by static/autosave.js (the form also saves on every step without JS)."""
    fields = {k: v for k, v in request.form.items() if k not in ("csrf_token", "step", "action")}
    try:
        with tx() as db:
            drafting.save(db, g.applicant_id, draft_id, fields)
    except drafting.DraftError:
        abort(404)
    except draft_limits.DraftRefused as exc:
        return jsonify(saved=False, error=exc.key, message=message(exc.key),
                       fields={k: message(v) for k, v in exc.errors.items()}), 422
    return jsonify(saved=True)


@bp.post("/<draft_id>/delete")
@login_required
def delete(draft_id):
    with tx() as db:
        if drafting.get(db, g.applicant_id, draft_id) is None:
            abort(404)
        drafting.delete(db, g.applicant_id, draft_id)
    return redirect(url_for("drafts.index"))
