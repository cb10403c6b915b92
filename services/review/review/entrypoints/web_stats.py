"""Processing-day statistics: page, CSV export, and the JSON intake reads for expected-time estimates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, g, jsonify, render_template, request

from review.adapters import queries
from review.domain import statistics
from review.domain.bureaus import BUREAUS
from review.domain.offices import OFFICES
from review.domain.roles import Action, can
from zairyu_shared.db import reading

from .web_auth import login_required, runtime

bp = Blueprint("stats", __name__)
FIELDS = ["procedure", "status_of_residence", "bureau", "office", "count", "mean_days", "median_days", "p90_days"]


def summaries(days_back: int, bureau: str | None, office: str | None = None, by_office: bool = False) -> list[dict]:
    since = datetime.now(UTC) - timedelta(days=days_back)
    with reading(runtime().engine) as conn:
        rows = queries.decided_rows(conn, since, bureau, office)
    where = (lambda r: (r.bureau, r.office)) if by_office else (lambda r: (r.bureau,))
    return statistics.group_summaries(
        (
            (r.procedure, r.status_of_residence, *where(r), statistics.processing_days(r.received_at, r.decided_at))
            for r in rows
        ),
        by_office=by_office,
    )


def _window() -> int:
    days = request.args.get("days", "365")
    return min(int(days), 3650) if days.isdigit() and int(days) > 0 else 365


def _scope() -> tuple[str | None, str | None]:
    """(bureau, office) whose decisions the officer may see: an office officer only their office's."""
    officer = g.officer
    wanted = request.args.get("bureau") or None
    if officer.bureau is None:
        return (wanted if wanted in BUREAUS else None), None
    return officer.bureau, officer.office


@bp.get("/statistics")
@login_required
def page():
    bureau, office = _scope()
    if not can(g.officer, Action.VIEW_STATISTICS, bureau or "tokyo", office=office):
        abort(403)
    return render_template(
        "statistics.html",
        rows=summaries(_window(), bureau, office, by_office=True),
        days=_window(),
        bureau=bureau,
        bureaus=BUREAUS,
        offices=OFFICES,
    )


@bp.get("/statistics.csv")
@login_required
def export_csv():
    bureau, office = _scope()
    if not can(g.officer, Action.VIEW_STATISTICS, bureau or "tokyo", office=office):
        abort(403)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(summaries(_window(), bureau, office, by_office=True))
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=processing-days.csv"}
    )


@bp.get("/api/v1/statistics/processing-days")
def processing_days_json():
    """Aggregates only (no case data), open without sign-in: groups of fewer than
    statistics.PUBLIC_MIN_COUNT decisions are published without their count and days (suppressed)."""
    bureau = request.args.get("bureau") if request.args.get("bureau") in BUREAUS else None
    days = _window()
    return jsonify(
        window_days=days,
        generated_at=datetime.now(UTC).isoformat(),
        min_count=statistics.PUBLIC_MIN_COUNT,
        groups=statistics.suppress_small(summaries(days, bureau)),
    )
