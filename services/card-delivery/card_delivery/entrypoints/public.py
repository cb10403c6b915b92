"""The public card-status lookup: valid / special_period / expired / invalid / unknown, nothing more, rate-limited.

Asked, as ISA's own lookup is, with the card's number and the validity date printed beside it
(card_validity.printed_date_matches)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, render_template, request

from card_delivery.adapters import cards
from card_delivery.bootstrap import ports
from card_delivery.domain.card_number import is_card_number, normalise, printed_date
from zairyu_shared.db import reading_session
from zairyu_shared.japan_time import japan_date


def _lookup(number: str, printed_until: date) -> str:
    runtime = current_app.extensions["zairyu_runtime"]
    with reading_session(runtime.session_factory) as session:  # a read (zairyu_shared.db.reading)
        return cards.lookup(session, number, printed_until, japan_date(ports(runtime).clock()))


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
        printed_until = printed_date(request.args.get("valid_until"))
        if printed_until is None:
            return jsonify(
                error="malformed_validity_date",
                message="valid_until: the card's validity date as printed on its front, YYYY-MM-DD",
            ), 400
        response = jsonify(number=number, status=_lookup(number, printed_until))
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/card-check")
    @shared
    def card_check():
        raw_number, raw_date = request.args.get("number"), request.args.get("valid_until")
        status, errors = None, []
        if raw_number is not None or raw_date is not None:
            number, printed_until = normalise(raw_number or ""), printed_date(raw_date)
            if not is_card_number(number):
                errors.append("number")
            if printed_until is None:
                errors.append("valid_until")
            if not errors:
                assert printed_until is not None
                status = _lookup(number, printed_until)
        return (
            render_template(
                "public/card_check.html",
                number=raw_number or "",
                valid_until=raw_date or "",
                status=status,
                errors=errors,
            ),
            (400 if errors else 200),
            {"Cache-Control": "no-store"},
        )

    return bp
