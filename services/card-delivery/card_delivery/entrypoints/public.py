"""The public card-status lookup: valid / special_period / expired / invalid / unknown, nothing more, rate-limited."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from card_delivery.adapters import cards
from card_delivery.bootstrap import ports
from card_delivery.domain.card_number import is_card_number, normalise
from zairyu_shared.japan_time import japan_date


def _lookup(number: str) -> str:
    runtime = current_app.extensions["zairyu_runtime"]
    with runtime.session_factory() as session:
        return cards.lookup(session, number, japan_date(ports(runtime).clock()))


def make_blueprint(limiter, rate_limit: str) -> Blueprint:
    bp = Blueprint("public", __name__, url_prefix="/public")
    shared = limiter.shared_limit(rate_limit, scope="card-lookup")

    @bp.get("/card-status")
    @shared
    def card_status():
        number = normalise(request.args.get("number", ""))
        if not is_card_number(number):
            return jsonify(
                error="malformed_number", message="a residence card number is two letters, eight digits, two letters"
            ), 400
        response = jsonify(number=number, status=_lookup(number))
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/card-check")
    @shared
    def card_check():
        raw = request.args.get("number")
        status, error = None, None
        if raw is not None:
            number = normalise(raw)
            if is_card_number(number):
                status = _lookup(number)
            else:
                error = True
        return (
            render_template("public/card_check.html", number=raw or "", status=status, error=error),
            (400 if error else 200),
            {"Cache-Control": "no-store"},
        )

    return bp
