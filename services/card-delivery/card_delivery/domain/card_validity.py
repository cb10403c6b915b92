"""How long a residence card the bureau issues is valid, and what the public check says of it on a given day.

Immigration Control Act art. 19-5 (as amended, in force 2024-04-01; iuris.jp's text of 第十九条の五):
(1)(i)   a permanent resident, or a Highly Skilled Professional (ii): the day on which seven years, counted from
         the card's issue day, have passed (交付の日から起算して七年を経過する日: the issue day is the first day);
(1)(ii)  a permanent resident under 16 on the issue day: the day before their 16th birthday (a 29 February
         birthday falls on 28 February in other years);
(1)(iii) anyone else: the period of stay's expiry;
(1)(iv)  anyone else under 16 on the issue day: the earlier of the period of stay's expiry and the day before their
         16th birthday.
(2)      where the card runs to the period of stay's expiry ((iii), (iv)) and its holder is in the special period
         (art. 20(6), art. 21(4): filed for a change or an extension by the expiry, not yet decided), the card stays
         valid while the special period lasts: at most until two months after the expiry
         (zairyu_shared.stay_periods.special_period_end).

The bureau's own lookup knows every pending application; this service knows none (it hears of decisions only), so
past the expiry and within those two months the check says what is true of every such card: valid only if its
holder filed by the expiry and it is still undecided, which their application's receipt shows. It never calls a
card expired that the law still holds valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from zairyu_shared.ages import under_age
from zairyu_shared.events.vocabulary import PERIODS_OF_STAY, STATUSES_OF_RESIDENCE
from zairyu_shared.stay_periods import new_expiry, period_end, special_period_end

SEVEN_YEAR_STATUSES = ("permanent_resident", "hsp_2")  # art. 19-5(1)(i)


@dataclass(frozen=True)
class CardValidity:
    valid_until: date
    # True when the card runs to the period of stay's expiry (art. 19-5(1)(iii)/(iv)): the special period can
    # keep it valid beyond (art. 19-5(2)).
    runs_to_stay_expiry: bool


def sixteenth_birthday_eve(birth_date: date) -> date:
    """The day before the 16th birthday; a 29 February birthday is 28 February in a common year (art. 19-5(1)(ii))."""
    year = birth_date.year + 16
    try:
        birthday = birth_date.replace(year=year)
    except ValueError:  # born 29 February, and the 16th year is a common one (2100): its 28 February
        birthday = date(year, 2, 28)
    return birthday - timedelta(days=1)


def card_validity(
    granted_status: str | None, stay_expiry: date | None, issued_on: date, birth_date: date | None = None
) -> CardValidity | None:
    """The card's validity under art. 19-5(1); None when it cannot be known (no coded status, or a period of stay
    whose expiry is unknown). Without ``birth_date`` the under-16 rules cannot apply; the caller says so."""
    # Under 16 on the issue day, as the law counts age (zairyu_shared.ages, the same count intake files by): one turns
    # 16 as the day before the anniversary ends (年齢計算ニ関スル法律, Civil Code art. 143).
    under_16 = birth_date is not None and under_age(birth_date, issued_on, 16)
    if granted_status in SEVEN_YEAR_STATUSES:
        if granted_status == "permanent_resident" and under_16:
            assert birth_date is not None
            return CardValidity(sixteenth_birthday_eve(birth_date), False)  # (1)(ii)
        return CardValidity(period_end(issued_on, 7, 0, 0), False)  # (1)(i): the issue day counted
    if granted_status is None or stay_expiry is None:
        return None
    if under_16:
        assert birth_date is not None
        eve = sixteenth_birthday_eve(birth_date)
        if eve < stay_expiry:
            return CardValidity(eve, False)  # (1)(iv), the birthday first
    return CardValidity(stay_expiry, True)  # (1)(iii), or (1)(iv) with the expiry first


def old_card(stay_expiry_before: date | None) -> CardValidity | None:
    """The validity of the old card an approved extension or change names: it runs to the period of stay's expiry
    (art. 19-5(1)(iii)), and past it through the special period at most (art. 19-5(2); the holder filed, or there
    would be no decision), until the new card replaces it. None when the expiry is unknown (a decision before v2, an
    indefinite period: an HSP (ii)'s seven-year card, whose issue day nobody told us): valid until replaced. A card
    issued to a child under 16 may have ended sooner, on the eve of their 16th birthday (art. 19-5(1)(iv)); its issue
    day is unknown, so the check cannot tell and says no more than the expiry allows."""
    return CardValidity(stay_expiry_before, True) if stay_expiry_before is not None else None


def granted_terms(decision: dict[str, Any]) -> dict[str, Any]:
    """What an approval says that the card's validity needs: the status and period as codes (v3 and later; an older
    decision's text is not guessed at: None), the expiry of the period of stay before it (v2 and later) and the
    holder's date of birth (v5)."""
    status, period = decision.get("granted_status"), decision.get("period_of_stay")
    born = (decision.get("delivery") or {}).get("date_of_birth")  # v5
    return {
        "granted_status": status if status in STATUSES_OF_RESIDENCE else None,
        "period_of_stay": period if period in PERIODS_OF_STAY else None,
        "stay_expiry_before": decision.get("period_of_stay_expiry"),
        "holder_birth_date": born.isoformat() if isinstance(born, date) else None,
    }


def at_issue(
    procedure: str,
    granted_status: str | None,
    period_of_stay: str | None,
    stay_expiry_before: date | None,
    issued_on: date,
    birth_date: date | None = None,
) -> CardValidity | None:
    """The validity of the card issued on ``issued_on`` for an approval: an extension's new period follows on the old
    expiry, a change's runs from the permission, which takes effect with the new card (stay_periods.new_expiry)."""
    stay_expiry = new_expiry(procedure, period_of_stay, stay_expiry_before, issued_on)
    return card_validity(granted_status, stay_expiry, issued_on, birth_date)


def printed_date_matches(recorded_until: date | None, printed_until: date) -> bool:
    """The public check's second factor: the validity date printed on the card's front must be the one recorded.

    ISA's own lookup (在留カード等番号失効情報照会) asks for the card's number and its validity date (在留カード等
    有効期間), both printed on its front (practitioners' guides, e.g. visamate.net and officeaoyagi.com on that page):
    only someone with the card in hand can ask, and a number alone, guessed or copied, tells nobody whether its holder's
    card was replaced or has expired. A card whose date this service does not know (card_validity gave None: an old card
    named in a decision without the expiry before it) is answered on its number alone, as before, rather than called
    unknown to its holder's employer."""
    return recorded_until is None or recorded_until == printed_until


def status_on(validity: CardValidity | None, today: date) -> str:
    """What the public check says of a card that has not been replaced: ``valid``; ``special_period`` (past the
    expiry, within two months: valid only for a holder who filed by then, art. 19-5(2)); ``expired``."""
    if validity is None or today <= validity.valid_until:
        return "valid"
    if validity.runs_to_stay_expiry and today <= special_period_end(validity.valid_until):
        return "special_period"
    return "expired"
