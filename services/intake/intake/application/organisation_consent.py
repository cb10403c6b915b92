"""Ending an organisation's reach over a person (issue 21): the organisation removes them from its roster, or the
person withdraws, from their own account, the consent they gave there.

Either way the organisation can no longer prepare, sign or file anything for them: every draft and signing step
looks the person up with ``removed_at IS NULL`` and a consent (organisation_drafts, organisation_filing), so a
signing code already handed out is refused when its signature arrives. Applications already filed stay the
person's, on their account; the roster row is kept (removed_at, consent 'withdrawn') as the record of what the
organisation was allowed to do and until when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from intake.adapters.organisation_tables import organisations, people

from .common import now


class NotFound(LookupError):
    pass


def remove(session, organisation_id: str, person_id: str) -> None:
    """Off the roster at once (their own organisation's people only: another's is NotFound)."""
    done = session.execute(
        people.update()
        .where(people.c.id == person_id, people.c.organisation_id == organisation_id, people.c.removed_at.is_(None))
        .values(removed_at=now(), consent_code_hash=None)
    )
    if done.rowcount != 1:
        raise NotFound(person_id)


@dataclass(frozen=True)
class Consent:
    person_id: str
    organisation_name: str
    given_at: datetime | None


def given_by(session, applicant_id: str) -> list[Consent]:
    """The organisations the person consented to from this account, still in force."""
    rows = session.execute(
        sa.select(people.c.id, people.c.consent_at, organisations.c.name)
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(
            people.c.consent_applicant_id == applicant_id,
            people.c.consent == "account",
            people.c.removed_at.is_(None),
        )
    ).all()
    return sorted((Consent(r.id, r.name, r.consent_at) for r in rows), key=lambda c: c.organisation_name)


def withdraw(session, applicant_id: str, person_id: str) -> None:
    """The person withdraws their consent: only their own (another account's is NotFound)."""
    done = session.execute(
        people.update()
        .where(
            people.c.id == person_id,
            people.c.consent_applicant_id == applicant_id,
            people.c.consent == "account",
        )
        .values(consent="withdrawn", consent_at=now(), consent_code_hash=None)
    )
    if done.rowcount != 1:
        raise NotFound(person_id)
