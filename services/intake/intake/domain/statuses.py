"""Statuses of residence (在留資格): names, whether online filing is open, and the form sections each needs.

The table follows residence-procedures.md. ``sections`` names the status-dependent parts of the
official form: a worker describes the employer, a student the school, a dependent or spouse the
supporting person, other statuses the activity.
"""
from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE


@dataclass(frozen=True)
class Status:
    code: str  # its names are the contract's vocabulary (zairyu_shared.events.vocabulary)
    online: bool = True
    sections: tuple[str, ...] = ()
    # Why a status is not online (message key), when it is not.
    excluded_reason: str | None = None
    has_period_of_stay: bool = True
    # Only this filer role may file for the status (None: anyone allowed by filers.py).
    filed_by: str | None = None

    @property
    def ja(self) -> str:
        return STATUSES_OF_RESIDENCE[self.code][0]

    @property
    def en(self) -> str:
        return STATUSES_OF_RESIDENCE[self.code][1]


_W = ("employer",)
_A = ("activity",)
_S = ("supporting_person",)

STATUSES: tuple[Status, ...] = (
    Status("diplomat", online=False, excluded_reason="eligibility.status_excluded"),
    Status("official", sections=_A),
    Status("professor", sections=_W),
    Status("artist", sections=_A),
    Status("religious", sections=_A),
    Status("journalist", sections=_W),
    Status("hsp_1a", sections=_W),
    Status("hsp_1b", sections=_W),
    Status("hsp_1c", sections=_W),
    Status("hsp_2", sections=_W, has_period_of_stay=False),
    Status("business_manager", sections=_W),
    Status("legal_accounting", sections=_W),
    Status("medical", sections=_W),
    Status("researcher", sections=_W),
    Status("instructor", sections=_W),
    Status("engineer_humanities", sections=_W),
    Status("intra_company", sections=_W),
    Status("nursing_care", sections=_W),
    Status("entertainer", sections=_W),
    Status("skilled_labor", sections=_W),
    Status("ssw_1", sections=_W),
    Status("ssw_2", sections=_W),
    Status("tit_1a", sections=_W),
    Status("tit_2a", sections=_W),
    Status("tit_3a", sections=_W),
    # Type ロ (supervising-organisation type) is filed by the supervising organisation, not the intern
    # (filers.role_problems refuses any other filer).
    Status("tit_1b", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("tit_2b", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("tit_3b", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("employment_skill_development", sections=_W),
    Status("cultural_activities", sections=_A),
    Status("temporary_visitor", online=False, excluded_reason="eligibility.status_excluded"),
    Status("student", sections=("school",)),
    Status("trainee", sections=_W),
    Status("dependent", sections=_S),
    Status("designated_activities", sections=("designated",) + _A),
    Status("designated_departure",
           online=False, excluded_reason="eligibility.status_excluded"),
    # No period of stay to extend; the permanent residence application itself is not online.
    Status("permanent_resident", has_period_of_stay=False),
    Status("spouse_japanese", sections=_S),
    Status("spouse_pr", sections=_S),
    Status("long_term_resident", sections=_S),
)

BY_CODE = {s.code: s for s in STATUSES}


def get(code: str | None) -> Status | None:
    return BY_CODE.get(code or "")


def selectable() -> list[Status]:
    """Every status, in the official order: excluded ones are listed too, so the form can explain why."""
    return list(STATUSES)
