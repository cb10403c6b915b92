"""An approved organisation's staff file its drafts WITHOUT a card (issue 21): signed in with password + TOTP, they
enter a fresh TOTP code at submission (a step-up) and the application travels with an organisation-staff
attestation instead of a CMS signature (application.submitted v3, ``authentication``).

Rule and sources. ISA admits an organisation's staff as users of its online system once the bureau covering the
organisation's address has approved its application for use (利用申出), and they file with the user ID (認証ID) and
password it gave them; the My Number Card and JPKI are what the foreign national (or a legal representative or a
relative) files with:
- ISA, 「令和4年3月以降のオンラインによる在留手続について」 (leaflet, January 2022,
  moj.go.jp/isa/content/001368775.pdf): receiving organisations' staff, lawyers and gyoseishoshi, public-interest
  corporations' and registered support organisations' staff file "認証IDでオンライン申請"; the foreign national
  himself "マイナンバーカードと公的個人認証サービスを活用";
- ISA, 在留申請オンラインシステム Q&A (moj.go.jp/isa/applications/online/online-QA.html) Q1-1 (who may use it) and
  Q1-3 (organisation staff: an application for use to the bureau covering the organisation's address, approved);
- ISA, 利用申出 page (moj.go.jp/isa/applications/guide/online-riyoumoushide.html): use lasts one year from the day
  the password is set after approval and the periodic report (定期報告) renews it;
- ISA, 利用者情報の修正・変更等 (moj.go.jp/isa/applications/online/online-riyousyajyouhouhenkou.html): sign-in is the
  認証ID and a password (valid one year); an organisation user who leaves has a procedure of their own;
- a practitioner's guide for organisation staff (lighthouse88.com/apply-for-residence-procedures-online/
  organization-staff/): the staff of an organisation asked by the applicant file online from their office once
  the 利用申出 is approved.
We found no second factor on ISA's pages. Ours is stricter and our choice: TOTP at sign-in (zairyu_shared
.credentials) and a fresh code at each submission, accepted once (a code used to sign in, or one too old, is
refused), so a session left open cannot file.

Intake is the authority on the staff member, the organisation's approval and the person's consent: all three are
checked again in the transaction that files (organisation_filing._still_allowed: the approval current today, the
member not removed, the person on the roster and consenting from the account the application goes to). Signing
then holds the event to the bytes (signing.domain.attestation) and accepts it only for an organisation's filer;
review shows the officer how it was authenticated. The Individual Number is never read or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

from intake.adapters.organisation_tables import api_tokens, org_drafts, organisation_staff, organisations
from intake.adapters.tables import applications
from zairyu_shared import credentials

from . import organisation_filing, organisation_people, submission
from . import organisation_staff as staff_accounts
from .common import aware, new_id, now, token_hash
from .organisation_filing import NotFound, NotReady
from .organisations import STAFF_CREDENTIALS, Member, require_filing_allowed

MAX_BATCH = organisation_filing.MAX_BATCH
CHANNELS = ("web", "api")
__all__ = ["NotFound", "NotReady", "Filed", "Outcome", "submit", "filed_in_batch", "token_signed_in_at"]


@dataclass(frozen=True)
class Filed:
    draft_id: str
    person_name: str
    procedure: str
    application_id: str
    provisional_number: str


@dataclass(frozen=True)
class Outcome:
    """What a submission did: the applications filed (all the chosen drafts, or none), or why the step-up code was
    refused (a message key: ``org.error.step_up``, ``org.error.locked``). ``again``: the same batch key was
    submitted before, and this is its answer (nothing new was filed, no code was needed)."""

    filed: list[Filed]
    refused: str | None = None
    again: bool = False


def _idempotency_key(batch_key: str, draft_id: str) -> str:
    """The application's key: one per batch and draft (a person may have two drafts in one batch)."""
    return f"os:{batch_key}:{draft_id}"


def filed_in_batch(session, organisation_id: str, batch_key: str) -> list[Filed]:
    """The applications the organisation filed without a card under ``batch_key`` (only its own drafts)."""
    rows = session.execute(
        sa.select(
            org_drafts.c.id,
            org_drafts.c.person_id,
            org_drafts.c.procedure,
            applications.c.id.label("application_id"),
            applications.c.provisional_number,
        )
        .join(applications, applications.c.id == org_drafts.c.submitted_application_id)
        .where(
            org_drafts.c.organisation_id == organisation_id,
            applications.c.idempotency_key.like(f"os:{batch_key}:%"),
        )
        .order_by(applications.c.submitted_at, org_drafts.c.id)
    ).all()
    out = []
    for r in rows:
        person = organisation_filing._person(session, organisation_id, r.person_id)
        out.append(Filed(r.id, person.name if person else "", r.procedure, r.application_id, r.provisional_number))
    return out


def token_signed_in_at(session, token_value: str | None) -> datetime | None:
    """When the API token was issued: its holder signed in with password + TOTP then (organisation_api)."""
    if not token_value:
        return None
    created = session.execute(
        sa.select(api_tokens.c.created_at).where(api_tokens.c.token_hash == token_hash(token_value))
    ).scalar()
    return aware(created) if created is not None else None


def _authentication(org, member: Member, signed_in_at: datetime, step_up_at: datetime, channel: str) -> dict:
    """The staff session, as the bytes and application.submitted v3 carry it (ids and times, nothing personal)."""
    return {
        "method": "organisation_staff",
        "organisation_staff": {
            "staff_id": member.staff_id,
            "organisation_id": org.id,
            "approval": {
                "bureau": org.bureau,
                "decided_at": aware(org.decided_at),
                "approved_from": org.approved_from,
                "approved_until": org.approved_until,
            },
            "signed_in_at": signed_in_at,
            "step_up_at": step_up_at,
            "channel": channel,
        },
    }


@dataclass(frozen=True)
class StepUp:
    """A fresh TOTP code accepted: when, and the staff session as the bytes and the event carry it."""

    at: datetime
    authentication: dict


def step_up(session, member: Member, org, code: str, *, signed_in_at: datetime, channel: str) -> StepUp | str:
    """What a staff member sends without a card (a filing here, a correction or withdrawal: organisation_follow_up)
    is authenticated by their session and a fresh TOTP code: the code checked now, and the session as the bytes
    carry it (``org``: the organisation's row, its approval), or why the code was refused (a message key, returned
    so that the caller commits the counted failure)."""
    at = now()
    refused = _code_refused(session, member, code, at)
    if refused:
        return refused
    return StepUp(at, _authentication(org, member, aware(signed_in_at), at, channel))


def _code_refused(session, member: Member, code: str, at: datetime) -> str | None:
    """The fresh TOTP code (accepted once, in SQL; a wrong or replayed code counts towards the lockout), or why
    not (a message key)."""
    row = session.execute(
        sa.select(organisation_staff.c.totp_secret, organisation_staff.c.locked_until).where(
            organisation_staff.c.id == member.staff_id
        )
    ).one()
    outcome = credentials.check_code(
        session,
        STAFF_CREDENTIALS,
        member.staff_id,
        secret=row.totp_secret,
        code=code,
        locked_until=aware(row.locked_until),
        at=at,
    )
    if outcome is credentials.Outcome.SIGNED_IN:
        return None
    return "org.error.locked" if outcome is credentials.Outcome.LOCKED else "org.error.step_up"


def submit(
    runtime,
    session,
    member: Member,
    draft_ids: list[str],
    code: str,
    *,
    signed_in_at: datetime,
    batch_key: str,
    channel: str = "web",
) -> Outcome:
    """File the chosen drafts without a card: all of them or none.

    In order: each draft must be the organisation's (NotFound, before anything else, as for another organisation's);
    the same ``batch_key`` again answers what it filed; the organisation's approval must be current
    (NotAllowedToFile); every draft ready and still allowed (NotReady with the problems per draft: the form as at
    submission, the photo, the member not removed, the person's consent); then the step-up code. Only then is each
    application recorded on the person's account, with the organisation as filer and the staff session as its
    authentication, and application.submitted v3 staged in this transaction. A refused code returns (not raises),
    so that the caller commits its counted failure."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    ids = list(dict.fromkeys(draft_ids))
    if not ids or len(ids) > MAX_BATCH:
        raise NotReady({"": {"draft": "org.error.nothing_chosen"}})
    rows = [organisation_filing._draft(session, member.organisation_id, draft_id) for draft_id in ids]
    already = filed_in_batch(session, member.organisation_id, batch_key)
    if already and {f.draft_id for f in already} >= set(ids):
        return Outcome([f for f in already if f.draft_id in ids], again=True)
    require_filing_allowed(session, member.organisation_id)
    org = session.execute(sa.select(organisations).where(organisations.c.id == member.organisation_id)).one()
    problems: dict[str, dict[str, str]] = {}
    ready = []
    for row in rows:
        # As the card path does: a person who consented with a signed document has it attached (on the account
        # held for them), so it goes to the bureau with the application (organisation_people).
        organisation_people.attach_consent_document(runtime, session, member.organisation_id, row.id)
        found = organisation_filing.check(session, member, row.id, online_payment=submission.online_payment(runtime))
        if found["submitted"]:
            problems[row.id] = {"draft": "submit.already_submitted"}
            continue
        if found["errors"]:
            problems[row.id] = found["errors"]
            continue
        # As when a card's signature arrives: the approval, the member, the person's consent, in this transaction.
        refused = organisation_filing._still_allowed(
            session,
            SimpleNamespace(subject_id=row.id, applicant_id=found["account"].id),
            {"organisation_id": member.organisation_id, "staff_id": member.staff_id},
        )
        if refused:
            problems[row.id] = {"draft": refused}
            continue
        ready.append(found)
    if problems:
        raise NotReady(problems)
    stepped_up = step_up(session, member, org, code, signed_in_at=signed_in_at, channel=channel)
    if isinstance(stepped_up, str):
        return Outcome([], refused=stepped_up)
    at, authentication = stepped_up.at, stepped_up.authentication
    # Who filed, by name, for the officer: no certificate names them here (the card path takes the card's name).
    staff_name = staff_accounts.name_of(session, member.staff_id)
    filed = []
    for found in ready:
        row, account, review = found["draft"], found["account"], found["review"]
        application_id = new_id()
        organisation_people.held_contact(runtime, session, account.id, member.staff_id)  # a held account's notices
        review["filer"] = organisation_filing._organisation_filer(org, member.staff_id)
        content = submission.document(
            account, organisation_filing._as_draft(row), application_id, review, authentication=authentication
        )
        answer = submission.record(
            runtime,
            session,
            account,
            content,
            None,  # no card signature: the staff session is the authentication
            application_id=application_id,
            idempotency_key=_idempotency_key(batch_key, row.id),
            draft_id=row.id,
            expected_holder=None,
            authentication=authentication,
            filer_name=staff_name,
        )
        taken = session.execute(
            org_drafts.update()
            .where(org_drafts.c.id == row.id, org_drafts.c.submitted_application_id.is_(None))
            .values(submitted_application_id=answer["application_id"], submitted_by=member.staff_id, submitted_at=at)
        )
        if taken.rowcount != 1:  # filed meanwhile (a second click, a card's signature): nothing of this batch stays
            raise NotReady({row.id: {"draft": "submit.already_submitted"}})
        filed.append(
            Filed(row.id, found["person"].name, row.procedure, answer["application_id"], answer["provisional_number"])
        )
    return Outcome(filed)
