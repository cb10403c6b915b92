"""What an approval delivers, per procedure, and how it may reach the person (residence-procedures.md,
"What the applicant sees", item 7). Intake, review, notify and card-delivery all need the same answer.

- change, extension, acquisition: a new residence card, by post or at the bureau counter; from
  2026-06-14 the applicant may ask for the specified residence card (特定在留カード, a residence card
  that is also the My Number Card; Immigration Control Act art. 19-3 as amended by Act No. 48 of 2024).
- COE: since 2023-03-17 by e-mail when chosen at filing, or on paper by post (ISA, 電子メールでの在留資格認定証明書の受領).
- certificate of authorised employment: a certificate (Immigration Control Act art. 19-2), here a signed
  PDF or paper by post.
- permission for activity outside the status (bundled with a card procedure only): granted in the decision
  and recorded on the new card (art. 19(2); the card's 資格外活動許可欄, art. 19-4(1)(vii)).
"""

from __future__ import annotations

from datetime import date
from typing import Final

RESIDENCE_CARD: Final = "residence_card"
COE: Final = "coe"
EMPLOYMENT_CERTIFICATE: Final = "employment_certificate"
DELIVERABLES: Final = (RESIDENCE_CARD, COE, EMPLOYMENT_CERTIFICATE)

_OF_PROCEDURE: Final[dict[str, str]] = {
    "change": RESIDENCE_CARD,
    "extension": RESIDENCE_CARD,
    "acquisition": RESIDENCE_CARD,
    "coe": COE,
    "employment_certificate": EMPLOYMENT_CERTIFICATE,
}
# How each deliverable may reach the person; the first is the default offered in the form.
METHODS: Final[dict[str, tuple[str, ...]]] = {
    RESIDENCE_CARD: ("post", "counter"),
    COE: ("email", "post"),
    EMPLOYMENT_CERTIFICATE: ("pdf", "post"),
}
ALL_METHODS: Final = ("post", "counter", "email", "pdf")

# The specified residence card can be asked for in applications filed from this day.
SPECIFIED_CARD_FROM: Final = date(2026, 6, 14)


def deliverable(procedure: str) -> str:
    """What approving this main procedure delivers (KeyError for a bundled-only procedure)."""
    return _OF_PROCEDURE[procedure]


def issues_card(procedure: str) -> bool:
    return _OF_PROCEDURE.get(procedure) == RESIDENCE_CARD


def default_method(procedure: str) -> str:
    return METHODS[deliverable(procedure)][0]


def method_for(procedure: str, chosen: str | None) -> str:
    """The signed choice if it fits the procedure, else the procedure's default."""
    allowed = METHODS[deliverable(procedure)]
    return chosen if chosen in allowed else allowed[0]


def specified_card_offered(procedure: str, filed_on: date) -> bool:
    return issues_card(procedure) and filed_on >= SPECIFIED_CARD_FROM


# Permission for activity outside the status granted with a change/extension/acquisition: the
# comprehensive permission allows at most 28 hours a week, never in businesses affecting public morals
# (Enforcement Regulation of the Immigration Control Act art. 19(5)(i)).
OUTSIDE_ACTIVITY_MAX_HOURS: Final = 28
