"""Statuses of residence (在留資格): names, whether online filing is open, from when a status exists,
and the form sections each needs.

The table follows residence-procedures.md ("Statuses of residence", "The seven procedures").
``sections`` names the status-dependent parts of the official form: a worker describes the employer
(the receiving organisation, 所属機関), a student the school, a dependent or spouse the supporting
person, other statuses the activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    # The first day the status exists (None: it always has). Before it, nobody holds or applies for it.
    available_from: date | None = None
    # A holder is a mid-to-long-term resident (中長期在留者, Immigration Control Act art. 19-3): they
    # have a residence card and may file themself. Diplomat, Official and Temporary Visitor are not.
    mid_to_long_term: bool = True

    @property
    def ja(self) -> str:
        return STATUSES_OF_RESIDENCE[self.code][0]

    @property
    def en(self) -> str:
        return STATUSES_OF_RESIDENCE[self.code][1]


EMPLOYMENT_FOR_SKILL_DEVELOPMENT_FROM = date(2027, 4, 1)

_W = ("employer",)
_A = ("activity",)
_S = ("supporting_person",)

STATUSES: tuple[Status, ...] = (
    Status("diplomat", online=False, excluded_reason="eligibility.status_excluded", mid_to_long_term=False),
    Status("official", sections=_A, mid_to_long_term=False),
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
    Status(
        "tit_1b",
        sections=_W,
        filed_by="supervising_organisation",
        excluded_reason="eligibility.supervising_organisation_only",
    ),
    Status(
        "tit_2b",
        sections=_W,
        filed_by="supervising_organisation",
        excluded_reason="eligibility.supervising_organisation_only",
    ),
    Status(
        "tit_3b",
        sections=_W,
        filed_by="supervising_organisation",
        excluded_reason="eligibility.supervising_organisation_only",
    ),
    # 育成就労 exists from 2027-04-01 (residence-procedures.md, "The seven procedures"): not offered before.
    Status("employment_skill_development", sections=_W, available_from=EMPLOYMENT_FOR_SKILL_DEVELOPMENT_FROM),
    Status("cultural_activities", sections=_A),
    Status("temporary_visitor", online=False, excluded_reason="eligibility.status_excluded", mid_to_long_term=False),
    Status("student", sections=("school",)),
    Status("trainee", sections=_W),
    Status("dependent", sections=_S),
    Status("designated_activities", sections=("designated",) + _A),
    Status("designated_departure", online=False, excluded_reason="eligibility.status_excluded"),
    # No period of stay to extend; the permanent residence application itself is not online.
    Status("permanent_resident", has_period_of_stay=False),
    Status("spouse_japanese", sections=_S),
    Status("spouse_pr", sections=_S),
    Status("long_term_resident", sections=_S),
)

BY_CODE = {s.code: s for s in STATUSES}


def get(code: str | None) -> Status | None:
    return BY_CODE.get(code or "")


def exists_on(status: Status, day: date) -> bool:
    """Whether the status exists on ``day`` (Japan's calendar day, given by the caller)."""
    return status.available_from is None or day >= status.available_from


# Whose spouse or child may hold Dependent (家族滞在): Immigration Control Act, Annex Table I(4), 家族滞在: a holder of
# a status of Tables I(1) to I(3) other than Diplomat, Official, Specified Skilled Worker (i), Technical Intern
# Training and Temporary Visitor, or of Student. So never Trainee, Dependent or Designated Activities (its families
# have notices of their own), nor Employment for Skill Development (no family, as Technical Intern Training), nor the
# Table II statuses or a Japanese national (their families hold Spouse or Child of ... or Long-Term Resident).
# Practitioners list the same (gyosyokazu.com/familystay; visabank.jp/family.html). ISA's online scope table admits
# a Dependent "if the supporting person is in scope" (residence-procedures.md): every status here is. Not encoded:
# the landing criteria's limit of a Student supporter to a university or similar school (not a language school).
DEPENDENT_SUPPORTERS: frozenset[str] = frozenset(
    {
        "professor",
        "artist",
        "religious",
        "journalist",
        "hsp_1a",
        "hsp_1b",
        "hsp_1c",
        "hsp_2",
        "business_manager",
        "legal_accounting",
        "medical",
        "researcher",
        "instructor",
        "engineer_humanities",
        "intra_company",
        "nursing_care",
        "entertainer",
        "skilled_labor",
        "ssw_2",
        "cultural_activities",
        "student",
    }
)

# Designated Activities (特定活動): under a public notice (告示, by number) or outside any notice (告示外,
# e.g. job hunting after graduation), described in the activity section.
DESIGNATED_BASES = ("notice", "outside_notice")

# Procedures that ISA's online scope table excludes for a notice (source: ISA, "利用可能な在留資格（対象範囲）",
# www.moj.go.jp/isa/content/001351658.pdf, as of 2024-08-07): notice 15 (international cultural
# exchange) not for an extension; notices 16-24 and 27-31 (EPA nurses and care workers) not for a COE.
# Notice 40 (long stay for sightseeing) is not in the online scope (ISA's answer to a practitioner who
# filed it online, 202312210705466010637.onamaeweb.jp/?p=1625). Other notices: no online limit known.
_EPA_NOTICES = tuple(range(16, 25)) + tuple(range(27, 32))
_ALL_PROCEDURES = frozenset({"coe", "change", "extension", "acquisition", "employment_certificate"})
DESIGNATED_NOTICE_NOT_ONLINE: dict[int, frozenset[str]] = {
    15: frozenset({"extension"}),
    **{n: frozenset({"coe"}) for n in _EPA_NOTICES},
    40: _ALL_PROCEDURES,
}


def notice_online(notice_number: int | None, procedure: str) -> bool:
    """Whether a Designated Activities notice may be filed online for ``procedure``."""
    if notice_number is None:
        return True
    return procedure not in DESIGNATED_NOTICE_NOT_ONLINE.get(notice_number, frozenset())
