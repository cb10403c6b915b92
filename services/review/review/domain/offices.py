"""District and branch offices under the regional bureaus, for scoping officers and hand-over.

The offices are the contract's vocabulary (zairyu_shared.events.vocabulary.OFFICES: the agency's 7 district
offices and the branch offices we ship). Which office examines a new case is not decided here: intake's
routing rules decide it once and application.submitted carries it (``routing``); review files the case
where it says (inbound.receive). A bureau may then hand a case to one of its offices.
"""

from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.events.vocabulary import OFFICES as OFFICE_VOCABULARY

from .bureaus import BUREAUS

DISTRICT, BRANCH = "district", "branch"


@dataclass(frozen=True)
class Office:
    code: str  # stable key, also in events (application.received/transferred "office")
    kind: str  # district | branch
    bureau: str
    name_ja: str
    name_en: str

    def __post_init__(self) -> None:
        if self.kind not in (DISTRICT, BRANCH):
            raise ValueError(f"unknown office kind {self.kind!r}")
        if self.bureau not in BUREAUS:
            raise ValueError(f"unknown bureau {self.bureau!r}")

    @property
    def label(self) -> str:
        return f"{self.name_ja} ({self.name_en})"

    @property
    def at_airport(self) -> bool:
        """Airport district offices take no residence applications by address: they exist for scoping."""
        return self.code.endswith("_airport")


def _suffix(kind: str) -> str:
    return "District Immigration Office" if kind == DISTRICT else "Branch Office"


OFFICES: dict[str, Office] = {
    code: Office(code, kind, bureau, ja, f"{en} {_suffix(kind)}")
    for code, (kind, bureau, ja, en) in OFFICE_VOCABULARY.items()
}


def office(code: str) -> Office:
    try:
        return OFFICES[code]
    except KeyError:
        raise ValueError(f"unknown office {code!r}") from None


def offices_of(bureau: str) -> list[Office]:
    return [o for o in OFFICES.values() if o.bureau == bureau]


def routed_office(bureau: str, code: str | None) -> str | None:
    """The office an incoming case goes to: the one intake's routing named, if it is an office of ``bureau``
    (anything else, or none, and the bureau itself keeps the case)."""
    found = OFFICES.get(code) if code else None
    return found.code if found is not None and found.bureau == bureau else None


class IllegalHandOver(Exception):
    pass


def check_hand_over(bureau: str, current: str | None, target: str | None, is_open: bool) -> None:
    """A bureau hands an open case to one of its own offices, or takes it back (target None)."""
    if not is_open:
        raise IllegalHandOver("a closed case stays where it was decided")
    if target == current:
        raise IllegalHandOver("the case is already there")
    if target is not None and (target not in OFFICES or OFFICES[target].bureau != bureau):
        raise IllegalHandOver(f"{target} is not an office of {bureau}")
