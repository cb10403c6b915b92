"""Who opened a file and why (issue 22): which officer actions enter the access log, the purpose rule,
the officer's pseudonym, and the supervisors' monitor. Pure rules; the log's format is zairyu_shared.access_log.

Every read, decision, hand-over and export of a case is logged with a purpose from a closed list; a read
without one is refused (the applicant and any auditor can then see why each access happened, as Estonia's
data tracker shows its citizens; the log itself is RFC 9162's append-only Merkle tree).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from zairyu_shared.access_log import PURPOSES
from zairyu_shared.japan_time import JAPAN

READS = frozenset({"case.viewed", "attachment.viewed", "audit.viewed"})
DECISIONS = frozenset(
    {
        "case.documents_requested",
        "case.decision_proposed",
        "case.decision_confirmed",
        "case.proposal_returned",
        "case.withdrawal_acknowledged",
        "case.correction_handled",
    }
)
HANDOVERS = frozenset({"case.handed_over"})
EXPORTS = frozenset({"case.exported"})
# A decision is part of the examination, a hand-over the supervisors' routing of work: their purpose follows
# from the act itself. A read or an export says nothing about why, so the officer must say it.
IMPLIED_PURPOSE = {"decision": "examination", "handover": "supervision"}


class PurposeRequired(ValueError):
    """A read or export with no purpose, or one outside the list: refused, nothing is shown."""


def kind_of(action: str) -> str | None:
    """The access kind an audit action is, or None when it is not logged for the applicant."""
    if action in READS:
        return "read"
    if action in DECISIONS:
        return "decision"
    if action in HANDOVERS:
        return "handover"
    if action in EXPORTS:
        return "export"
    return None


def purpose_for(kind: str, given: str | None) -> str:
    """The purpose recorded: the one given (it must be on the list), else the one the act implies."""
    if given is not None:
        if given not in PURPOSES:
            raise PurposeRequired(f"unknown purpose {given!r}")
        return given
    implied = IMPLIED_PURPOSE.get(kind)
    if implied is None:
        raise PurposeRequired(f"a {kind} needs a purpose ({', '.join(PURPOSES)})")
    return implied


def valid_purpose(value: str | None) -> str | None:
    return value if value in PURPOSES else None


def pseudonym(officer_id: str) -> str:
    """A stable name for one officer's account that is not their name: 8 characters of SHA-256 over the
    account's random id, grouped for reading ("K7Q2-M9XD"). The bureau can tell who it is; the applicant
    can tell two accesses by the same officer apart from two officers."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    digest = hashlib.sha256(b"zairyu-officer-pseudonym:" + officer_id.encode()).digest()
    chars = "".join(alphabet[b % len(alphabet)] for b in digest[:8])
    return f"{chars[:4]}-{chars[4:]}"


def entry(
    *, at: str, application_id: str, officer_id: str, role: str, office: str, action: str, kind: str, purpose: str
) -> dict[str, Any]:
    """The entry as published (and hashed as a leaf): no name, no address, no IP."""
    return {
        "v": 1,
        "at": at,
        "application_id": application_id,
        "officer": pseudonym(officer_id),
        "role": role,
        "office": office,
        "kind": kind,
        "action": action,
        "purpose": purpose,
    }


# --- the supervisors' monitor -----------------------------------------------------------------------------
# Officers work Monday to Friday (Act on the Working Hours, Leave etc. of General Service Employees, art. 6:
# 38h45 a week, Saturdays and Sundays off); a read before 07:00 or from 21:00 Japan time, or at a weekend,
# is outside any ordinary day with overtime and worth a supervisor's look.
DAY_START, DAY_END = time(7, 0), time(21, 0)


@dataclass(frozen=True)
class Read:
    leaf_index: int
    at: datetime  # aware
    application_id: str
    officer_id: str
    officer_bureau: str | None
    officer_office: str | None
    case_bureau: str
    case_office: str | None
    purpose: str


def unusual_hour(at: datetime) -> bool:
    local = at.astimezone(JAPAN)
    return local.weekday() >= 5 or not DAY_START <= local.time() < DAY_END


def outside_office(read: Read) -> bool:
    """The case is held somewhere other than where the officer works (a bureau-wide officer's place is the
    bureau itself; a national auditor, with no bureau, is outside every one)."""
    return (read.officer_bureau, read.officer_office) != (read.case_bureau, read.case_office)


def findings(reads: Iterable[Read], acted: Iterable[tuple[str, str]]) -> list[tuple[Read, list[str]]]:
    """Each read worth a look with its reasons: ``no_action`` (the officer never acted on that case:
    ``acted`` holds the (officer, case) pairs with an action), ``outside_office``, ``unusual_hour``."""
    did = set(acted)
    out: list[tuple[Read, list[str]]] = []
    for r in reads:
        reasons = [
            name
            for name, hit in (
                ("no_action", (r.officer_id, r.application_id) not in did),
                ("outside_office", outside_office(r)),
                ("unusual_hour", unusual_hour(r.at)),
            )
            if hit
        ]
        if reasons:
            out.append((r, reasons))
    return out
