"""Read side: the queue (keyset pages), workload, a case with everything around it, statistics rows."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from . import attachment_names
from .tables import case_history, cases, corrections, document_requests, notes, officers, proposals

QUEUE_COLUMNS = [
    cases.c.application_id,
    cases.c.receipt_number,
    cases.c.office,
    cases.c.procedure,
    cases.c.status_of_residence,
    cases.c.nationality,
    cases.c.status,
    cases.c.assignee,
    cases.c.received_at,
    cases.c.period_of_stay_expiry,
    cases.c.version,
    cases.c.withdrawal_requested_at,
    cases.c.address_mismatch.isnot(None).label("flagged"),
    cases.c.filer,
]
# sort name -> (key column, newest/latest first?)
SORTS = {
    "received": (cases.c.received_at, False),
    "received_desc": (cases.c.received_at, True),
    "deadline": (cases.c.period_of_stay_expiry, False),
}


AT_BUREAU = "-"  # an office filter meaning "held by the bureau itself, not by one of its offices"


def _at(query, office: str | None):
    """Limit to one office's cases, to the bureau's own (AT_BUREAU), or not at all (None: the whole bureau)."""
    if office == AT_BUREAU:
        return query.where(cases.c.office.is_(None))
    return query.where(cases.c.office == office) if office else query


@dataclass
class QueueFilter:
    bureau: str
    office: str | None = None  # None: the whole bureau with its offices; AT_BUREAU; or an office code
    status: str | None = None  # None: every open case
    procedure: str | None = None
    status_of_residence: str | None = None
    nationality: str | None = None
    min_age_days: int | None = None
    expiry_before: date | None = None
    assignee: str | None = None
    sort: str = "received"
    extra: dict = field(default_factory=dict)


def encode_cursor(sort_value, application_id: str) -> str:
    value = sort_value.isoformat() if hasattr(sort_value, "isoformat") else sort_value
    return base64.urlsafe_b64encode(json.dumps([value, application_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str):
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    value, application_id = raw
    value = date.fromisoformat(value) if sort == "deadline" else datetime.fromisoformat(value)
    return value, str(application_id)


def queue_page(conn, f: QueueFilter, after: str | None = None, limit: int = 50) -> tuple[list[dict], str | None]:
    """One page, oldest (or nearest deadline) first; the cursor is the last row's (sort key, id)."""
    if f.sort not in SORTS:
        raise ValueError(f"unknown sort {f.sort!r}")
    key, descending = SORTS[f.sort]
    q = _at(sa.select(*QUEUE_COLUMNS).where(cases.c.bureau == f.bureau), f.office)
    q = q.where(cases.c.status == f.status) if f.status else q.where(cases.c.is_open.is_(True))
    for column, value in (
        (cases.c.procedure, f.procedure),
        (cases.c.status_of_residence, f.status_of_residence),
        (cases.c.nationality, f.nationality),
        (cases.c.assignee, f.assignee),
    ):
        if value:
            q = q.where(column == value)
    if f.min_age_days:
        q = q.where(cases.c.received_at <= datetime.now(UTC) - timedelta(days=f.min_age_days))
    if f.expiry_before:
        q = q.where(cases.c.period_of_stay_expiry <= f.expiry_before)
    if f.sort == "deadline":
        q = q.where(cases.c.period_of_stay_expiry.isnot(None))
    if after:
        value, application_id = decode_cursor(after, f.sort)
        row_key, cursor = (
            sa.tuple_(key, cases.c.application_id),
            sa.tuple_(sa.literal(value), sa.literal(application_id)),
        )
        q = q.where(row_key < cursor if descending else row_key > cursor)
    order = (key.desc(), cases.c.application_id.desc()) if descending else (key, cases.c.application_id)
    rows = [dict(r._mapping) for r in conn.execute(q.order_by(*order).limit(limit + 1))]
    for r in rows:
        r["filer"] = json.loads(r["filer"]) if r["filer"] else None
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor(rows[-1][key.name], rows[-1]["application_id"]) if more else None
    return rows, nxt


def workload(conn, bureau: str, office: str | None = None) -> list[dict]:
    """Examiners and supervisors with their open cases: the whole bureau's, or one office's people only."""
    q = (
        sa.select(
            officers.c.id,
            officers.c.display_name,
            officers.c.role,
            officers.c.office,
            sa.func.count(cases.c.application_id).label("open_cases"),
        )
        .select_from(officers.outerjoin(cases, sa.and_(cases.c.assignee == officers.c.id, cases.c.is_open.is_(True))))
        .where(officers.c.bureau == bureau, officers.c.role.in_(["examiner", "supervisor"]))
        .group_by(officers.c.id, officers.c.display_name, officers.c.role, officers.c.office)
        .order_by(officers.c.display_name)
    )
    if office == AT_BUREAU:
        q = q.where(officers.c.office.is_(None))
    elif office:
        q = q.where(officers.c.office == office)
    return [dict(r._mapping) for r in conn.execute(q)]


def unassigned_count(conn, bureau: str, office: str | None = None) -> int:
    return conn.execute(
        _at(
            sa.select(sa.func.count()).where(
                cases.c.bureau == bureau, cases.c.is_open.is_(True), cases.c.assignee.is_(None)
            ),
            office,
        )
    ).scalar()


def case_file(conn, application_id: str) -> dict:
    row = conn.execute(sa.select(cases).where(cases.c.application_id == application_id)).first()
    c = dict(row._mapping)
    c["form"] = json.loads(c["form"])
    c["evidence"] = json.loads(c["evidence"])
    c["attachments"] = attachment_names.merged(c["attachments"], c["attachment_names"])
    c["filer"] = json.loads(c["filer"]) if c["filer"] else None

    def all_of(table, order):
        return [
            dict(r._mapping)
            for r in conn.execute(sa.select(table).where(table.c.application_id == application_id).order_by(order))
        ]

    c["history"] = all_of(case_history, case_history.c.id)
    for h in c["history"]:
        h["detail"] = json.loads(h["detail"]) if h["detail"] else {}
    c["notes"] = all_of(notes, notes.c.id)
    c["requests"] = all_of(document_requests, document_requests.c.requested_at)
    for r in c["requests"]:
        r["items"] = json.loads(r["items"])
        r["answer_attachments"] = attachment_names.merged(r["answer_attachments"], r["answer_attachment_names"])
    c["corrections"] = all_of(corrections, corrections.c.requested_at)
    c["proposals"] = all_of(proposals, proposals.c.id)
    c["earlier"] = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(
                cases.c.application_id,
                cases.c.receipt_number,
                cases.c.procedure,
                cases.c.status,
                cases.c.received_at,
                cases.c.outcome,
                cases.c.bureau,
                cases.c.office,
            )
            .where(cases.c.applicant_id == c["applicant_id"], cases.c.application_id != application_id)
            .order_by(cases.c.received_at.desc())
        )
    ]
    return c


def decided_rows(conn, since: datetime | None = None, bureau: str | None = None, office: str | None = None):
    """(procedure, status_of_residence, bureau, office, received_at, decided_at) of decided cases."""
    q = sa.select(
        cases.c.procedure,
        cases.c.status_of_residence,
        cases.c.bureau,
        cases.c.office,
        cases.c.received_at,
        cases.c.decided_at,
    ).where(cases.c.decided_at.isnot(None))
    if since:
        q = q.where(cases.c.decided_at >= since)
    if bureau:
        q = q.where(cases.c.bureau == bureau)
    return conn.execute(_at(q, office)).all()


def ageing_summary(conn, bureau: str, targets: dict[str, int], office: str | None = None) -> list[dict]:
    """Open cases per procedure: within target, in its last fifth ("due"), beyond it ("overdue")."""
    now = datetime.now(UTC)
    out = []
    for procedure, target in targets.items():
        base = _at(
            sa.select(sa.func.count()).where(
                cases.c.bureau == bureau, cases.c.procedure == procedure, cases.c.is_open.is_(True)
            ),
            office,
        )
        total = conn.execute(base).scalar()
        overdue = conn.execute(base.where(cases.c.received_at < now - timedelta(days=target))).scalar()
        due = conn.execute(base.where(cases.c.received_at <= now - timedelta(days=target * 0.8))).scalar() - overdue
        out.append(
            {
                "procedure": procedure,
                "target_days": target,
                "open": total,
                "ok": total - due - overdue,
                "due": due,
                "overdue": overdue,
            }
        )
    return out


def officer_names(conn, bureau: str | None = None) -> dict[str, str]:
    """Officer id -> display name (pages show names, the data keeps ids)."""
    query = sa.select(officers.c.id, officers.c.display_name)
    if bureau:
        query = query.where(sa.or_(officers.c.bureau == bureau, officers.c.bureau.is_(None)))
    return {r.id: r.display_name for r in conn.execute(query)}
