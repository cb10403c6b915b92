"""Notify's database work: the applicant directory, notices, and the sender's claims.

Claims are committed before any SMTP traffic and outcomes are recorded in their own short
transactions afterwards, so no database transaction is open while the relay is talked to. Those
transactions run on a connection of the engine, not in an ORM session: they are Core statements
only, and a session's own bookkeeping cost a third of each (measured, issue 24). The consumer's statements run in
its session's transaction, on that transaction's connection (``session.connection()``): the ORM's execution adds
nothing to a Core statement, and there are no ORM objects to flush.
"""

from __future__ import annotations

import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notify.domain import delivery
from notify.domain.notices import ApplicationInfo
from zairyu_shared.db import reading, rows_alone, run_alone, statement_once
from zairyu_shared.subject_keys import SubjectErased, sealing

from .tables import applicants, applications, metadata, notices, subject_key_tables


def now() -> datetime:
    return datetime.now(UTC)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: Session):
    return postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert


# -- directory -------------------------------------------------------------------------------
def remember_applicant(
    session: Session, applicant_id: str, *, email: str, language: str, at: datetime, display_name: str | None = None
) -> None:
    """Upsert; an older event arriving late does not overwrite a newer address or language."""
    values = {"applicant_id": applicant_id, "email": email, "language": language, "updated_at": at}
    if display_name is not None:
        values["display_name"] = display_name

    def build():
        stmt = _insert(session)(applicants)
        return stmt.on_conflict_do_update(
            index_elements=["applicant_id"],
            set_={k: stmt.excluded[k] for k in values if k != "applicant_id"},
            where=applicants.c.updated_at <= stmt.excluded.updated_at,
        )

    try:
        with sealing(session, metadata, applicant_id):
            stmt = statement_once(("notify.applicant", _dialect(session), tuple(values)), build)
            session.connection().execute(stmt, values)
    except SubjectErased:
        pass  # an erased applicant: nothing is kept about them again


class Addressee(NamedTuple):
    """What a notice to an applicant is written with (their language and name) and where its mail goes."""

    language: str
    display_name: str | None
    email: str | None


@dataclass(frozen=True)
class Known:
    """What the directory holds for an event's notices: the application, and its applicant (None: not registered
    here yet), read in one statement."""

    application: ApplicationInfo
    applicant: Addressee | None


def applicant(session: Session, applicant_id: str) -> Addressee | None:
    """The applicant's language and name, what a notice is written with, and their address: the mail is claimed
    as it is written and handed to this process's sender (``sending.Handoff``), which no longer reads it."""
    stmt = statement_once(
        ("notify.applicant_by_id",),
        lambda: sa.select(applicants.c.language, applicants.c.display_name, applicants.c.email).where(
            applicants.c.applicant_id == sa.bindparam("applicant_key")
        ),
    )
    row = session.connection().execute(stmt, {"applicant_key": applicant_id}).first()
    return None if row is None else Addressee(row.language, row.display_name, row.email)


def _addressee_columns() -> tuple:
    """The applicant's language, name and address (the event's applicant: ``addressee_key``) beside an
    application's row: an event about an application reads both in one statement, where a look-up of the applicant
    followed it (a statement an event less, issue 24)."""

    def of(column: sa.Column) -> sa.Label:
        found = sa.select(column).where(applicants.c.applicant_id == sa.bindparam("addressee_key"))
        return found.scalar_subquery().label(f"addressee_{column.name}")

    return of(applicants.c.language), of(applicants.c.display_name), of(applicants.c.email)


def _known(row) -> Known:
    # language is NOT NULL in the directory: NULL here means the applicant has no row
    person = (
        None
        if row.addressee_language is None
        else Addressee(row.addressee_language, row.addressee_display_name, row.addressee_email)
    )
    info = ApplicationInfo(
        row.application_id, row.applicant_id, row.bureau, row.procedure, row.provisional_number, row.receipt_number
    )
    return Known(info, person)


def remember_application(session: Session, application_id: str, applicant_id: str, **fields) -> Known:
    """Upsert; what the directory now holds about the application and its applicant (the statement returns it)."""
    fields = {k: v for k, v in fields.items() if v is not None}

    def build():
        stmt = _insert(session)(applications)
        set_ = {k: stmt.excluded[k] for k in fields} or {"application_id": stmt.excluded.application_id}
        return stmt.on_conflict_do_update(index_elements=["application_id"], set_=set_).returning(
            *applications.c, *_addressee_columns()
        )

    stmt = statement_once(("notify.application", _dialect(session), tuple(fields)), build)
    params = {"application_id": application_id, "applicant_id": applicant_id, "addressee_key": applicant_id, **fields}
    row = session.connection().execute(stmt, params).one()
    return _known(row)


def application_info(session: Session, application_id: str | None, applicant_id: str | None) -> Known | None:
    """The application and ``applicant_id``'s language and name; None if the directory does not know the
    application (then nothing about the applicant was read either)."""
    if not application_id:
        return None
    stmt = statement_once(
        ("notify.application_by_id",),
        lambda: sa.select(applications, *_addressee_columns()).where(
            applications.c.application_id == sa.bindparam("application_key")
        ),
    )
    row = session.connection().execute(stmt, {"application_key": application_id, "addressee_key": applicant_id}).first()
    return None if row is None else _known(row)


# -- notices ---------------------------------------------------------------------------------
def insert_notices(session: Session, rows: list[dict]) -> set[str]:
    """Insert an event's notices (one per channel) in one statement; return the ids inserted. A notice
    this event already produced on that channel for that recipient is skipped (a redelivery)."""
    if not rows:
        return set()
    at = now()
    # One statement for all rows: every row names the same columns (the caller gives each its id).
    defaults = {
        "state": None,
        "last_error": None,
        "address": None,
        "sent_at": None,
        "claim_token": None,  # a mail claimed as it is written has these three (``claimed_on_insert``)
        "claimed_at": None,
        "attempts": 0,
        "created_at": at,
        "updated_at": at,
        "next_attempt_at": at,
    }
    full = [{**defaults, **row} for row in rows]
    inserted: set[str] = set()
    # An applicant's notices under their own key; a bureau's (no applicant) under the service key.
    for applicant_id in dict.fromkeys(row.get("applicant_id") for row in full):
        group = [row for row in full if row.get("applicant_id") == applicant_id]
        try:
            with sealing(session, metadata, applicant_id) if applicant_id else nullcontext():
                inserted |= {r.id for r in session.connection().execute(_insert_notices_statement(session), group)}
        except SubjectErased:
            continue  # an erased applicant gets no mail
    return inserted


def _insert_notices_statement(session: Session):
    return statement_once(
        ("notices", _dialect(session)),
        lambda: (
            _insert(session)(notices)
            .on_conflict_do_nothing(index_elements=["event_id", "channel", "recipient"])
            .returning(notices.c.id)
        ),
    )


@dataclass(frozen=True)
class Claimed:
    id: str
    token: str
    notice_type: str
    language: str
    subject: str
    body_text: str
    body_html: str
    address: str | None
    attempts: int
    stolen: bool  # taken over from a sender whose lease expired
    attachment: dict | None = None  # {filename, media_type, b64}: mailed as it is (the sealed e-COE)


def claimed_on_insert() -> dict:
    """The columns that make a notice being inserted a sender's claim, as ``claim_due`` would have made it (the
    same lease; its token in ``claim_token``)."""
    return {"state": delivery.SENDING, "claim_token": str(uuid.uuid4()), "claimed_at": now(), "attempts": 1}


def claim_due(engine: sa.Engine, limit: int, lease_seconds: float) -> list[Claimed]:
    """Take up to ``limit`` due e-mail notices as 'sending' claims and commit (SKIP LOCKED on PostgreSQL).

    On PostgreSQL one statement, built once, chooses the due notices, locks and claims them and returns them
    with the applicant's current address (a SELECT and an UPDATE before: a statement a round less, issue 24).
    SQLite's RETURNING cannot name what a row was before the update (its state: a takeover or not), so there
    the due notices are read, then claimed."""
    at = now()
    token = str(uuid.uuid4())
    params = {
        "due_at": at,
        "stale_before": at - timedelta(seconds=lease_seconds),
        "due_limit": limit,
        "claim_token": token,
        "claim_at": at,
    }
    if engine.dialect.name == "postgresql":
        rows = rows_alone(engine, _claim_due_statement(), params)  # its own transaction: no BEGIN/COMMIT (issue 24)
    else:
        with engine.begin() as conn:
            rows = conn.execute(_due_statement(), params).all()
            if rows:
                conn.execute(_claim_statement(), {**params, "claim_ids": [r.id for r in rows]})
    return [
        Claimed(
            r.id,
            token,
            r.notice_type,
            r.language,
            r.subject,
            r.body_text,
            r.body_html,
            r.address or r.current_email,
            r.attempts,
            r.claimed_from == delivery.SENDING,
            json.loads(r.attachment) if r.attachment else None,
        )
        for r in sorted(rows, key=lambda r: r.next_attempt_at)  # RETURNING keeps no order: the longest due first
    ]


# What a claim reads of a notice (the row's other columns are the sender's no concern).
_CLAIMED = ("id", "notice_type", "language", "subject", "body_text", "body_html", "address", "attachment")


def _due_condition():
    due = sa.or_(
        sa.and_(notices.c.state == delivery.QUEUED, notices.c.next_attempt_at <= sa.bindparam("due_at")),
        sa.and_(notices.c.state == delivery.SENDING, notices.c.claimed_at < sa.bindparam("stale_before")),
    )
    # An erased applicant's notices can no longer be read, and are not to be sent: leave them to the purge.
    erased = subject_key_tables.erased
    alive = ~sa.exists().where(erased.c.subject == notices.c.applicant_id)
    return sa.and_(notices.c.channel == "email", due, alive)


def _claimed_values() -> dict:
    return {
        "state": delivery.SENDING,
        "claim_token": sa.bindparam("claim_token"),
        "claimed_at": sa.bindparam("claim_at"),
        "updated_at": sa.bindparam("claim_at"),
        "attempts": notices.c.attempts + 1,
    }


def _claim_due_statement():
    """PostgreSQL: UPDATE ... FROM (the due notices, FOR UPDATE SKIP LOCKED) ... RETURNING."""

    def build():
        chosen = (
            sa.select(notices.c.id, notices.c.state.label("claimed_from"))
            .where(_due_condition())
            .order_by(notices.c.next_attempt_at)
            .limit(sa.bindparam("due_limit"))
            .with_for_update(skip_locked=True)
            .subquery("chosen")
        )
        current_email = sa.select(applicants.c.email).where(applicants.c.applicant_id == notices.c.applicant_id)
        return (
            notices.update()
            .where(notices.c.id == chosen.c.id)
            .values(_claimed_values())
            .returning(
                *(notices.c[name] for name in _CLAIMED),
                notices.c.attempts,  # as the claim counted it
                notices.c.next_attempt_at,
                chosen.c.claimed_from,
                current_email.scalar_subquery().label("current_email"),
            )
        )

    return statement_once(("notify.claim_due",), build)


def _due_statement():
    """SQLite: the due notices, with the state they were claimed from and their attempts as the claim counts them."""

    def build():
        return (
            sa.select(
                *(notices.c[name] for name in _CLAIMED),
                (notices.c.attempts + 1).label("attempts"),
                notices.c.next_attempt_at,
                notices.c.state.label("claimed_from"),
                applicants.c.email.label("current_email"),
            )
            .select_from(notices.outerjoin(applicants, applicants.c.applicant_id == notices.c.applicant_id))
            .where(_due_condition())
            .order_by(notices.c.next_attempt_at)
            .limit(sa.bindparam("due_limit"))
        )

    return statement_once(("notify.due",), build)


def _claim_statement():
    return statement_once(
        ("notify.claim",),
        lambda: (
            notices.update()
            .where(notices.c.id.in_(sa.bindparam("claim_ids", expanding=True)))
            .values(_claimed_values())
        ),
    )


def _finish(engine: sa.Engine, claim: Claimed, *, attempt_back: bool = False, **values) -> bool:
    """Apply an outcome only if the claim is still ours (a takeover would have changed the token)."""
    values.update(updated_at=now(), claim_token=None)

    def build():
        stmt = notices.update().where(
            notices.c.id == sa.bindparam("claimed_id"),
            notices.c.claim_token == sa.bindparam("claimed_token"),
            notices.c.state == delivery.SENDING,
        )
        return stmt.values(attempts=notices.c.attempts - 1) if attempt_back else stmt

    stmt = statement_once(("notify.finish", tuple(values), attempt_back), build)
    # The row count says whether the claim was still ours: no row to return and read back. One statement, its own
    # transaction: no BEGIN and COMMIT round trips around it (issue 24).
    return run_alone(engine, stmt, {**values, "claimed_id": claim.id, "claimed_token": claim.token}) == 1


def record_sent(engine: sa.Engine, claim: Claimed) -> bool:
    return _finish(engine, claim, state=delivery.SENT, sent_at=now(), last_error=None)


def record_failure(engine: sa.Engine, claim: Claimed, after: delivery.AfterFailure) -> bool:
    next_at = now() + timedelta(seconds=after.delay) if after.delay is not None else None
    return _finish(engine, claim, state=after.state, last_error=after.error[:2000], next_attempt_at=next_at)


def release(engine: sa.Engine, claim: Claimed) -> bool:
    """Give an unsent claim back (shutdown): not an attempt."""
    return _finish(engine, claim, state=delivery.QUEUED, attempt_back=True)


def backlog(engine) -> tuple[int, int]:
    """(queued e-mail notices, of which waiting for a retry)."""
    with reading(engine) as conn:  # each second: a ROLLBACK would drop the pool's prepared statements
        row = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((notices.c.attempts > 0, 1), else_=0)), 0),
            ).where(notices.c.state == delivery.QUEUED, notices.c.channel == "email")
        ).one()
    return int(row[0]), int(row[1])


# -- operators and the internal API ----------------------------------------------------------
def failures(engine, limit: int = 100):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(
                notices.c.id,
                notices.c.notice_type,
                notices.c.recipient,
                notices.c.language,
                notices.c.attempts,
                notices.c.last_error,
                notices.c.updated_at,
                notices.c.address,
                applicants.c.email.label("current_email"),
                notices.c.application_id,
            )
            .select_from(notices.outerjoin(applicants, applicants.c.applicant_id == notices.c.applicant_id))
            .where(notices.c.state == delivery.FAILED)
            .order_by(notices.c.updated_at.desc())
            .limit(limit)
        ).all()


def get_notice(engine, notice_id: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(notices).where(notices.c.id == notice_id)).first()


def set_state(
    session_factory,
    notice_id: str,
    *,
    allowed_from: tuple[str, ...],
    state: str,
    error: str | None,
    reset_attempts: bool = False,
):
    """Move a notice between states for operators (bounce, requeue). Returns the row or None if not allowed."""
    values = {"state": state, "updated_at": now(), "last_error": error}
    if reset_attempts:
        values.update(attempts=0, next_attempt_at=now())
    with session_factory() as session, session.begin():
        row = session.execute(
            notices.update()
            .where(notices.c.id == notice_id, notices.c.state.in_(allowed_from))
            .values(**values)
            .returning(notices.c.id, notices.c.notice_type, notices.c.language, notices.c.channel)
        ).first()
    return row


def inbox_for(engine, applicant_id: str, limit: int, before: datetime | None = None):
    """The applicant's in-account notices, newest first, with the state of the same event's e-mail."""
    mail = notices.alias("mail")
    cond = [notices.c.applicant_id == applicant_id, notices.c.channel == "inbox"]
    if before is not None:
        cond.append(notices.c.created_at < before)
    with engine.connect() as conn:
        return conn.execute(
            sa.select(notices, mail.c.state.label("email_state"), mail.c.sent_at.label("email_sent_at"))
            .select_from(
                notices.outerjoin(
                    mail,
                    sa.and_(
                        mail.c.event_id == notices.c.event_id,
                        mail.c.channel == "email",
                        mail.c.recipient == notices.c.recipient,
                    ),
                )
            )
            .where(*cond)
            .order_by(notices.c.created_at.desc(), notices.c.id)
            .limit(limit)
        ).all()


def new_id() -> str:
    return str(uuid.uuid4())
