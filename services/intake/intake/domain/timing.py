"""When each procedure may be filed online, and what an early filing needs.

Rules and their sources:
- Change of status (在留資格変更): whenever the reason arises, up to the end of the period of stay; no
  3-month window (residence-procedures.md, "The seven procedures", row 2).
- Extension (在留期間更新): for a period of stay of 6 months or more, from about 3 months before it
  expires; earlier only with a special reason (a long hospital stay, a long trip abroad) that the
  bureau weighs: such a filing is accepted with its reason and flagged for the examiner, not refused
  (residence-procedures.md, row 3). A period under 6 months has no window: any day before it ends.
- Online, the last day for both is the day before the period of stay expires: ISA's online system does
  not take filings on the expiry day itself; those go to the counter (ISA notice "在留期限の最終日
  （在留期間満了日の当日）の在留諸申請について", quoted by practitioners: bridge2n.jp/16683217570343,
  202312210705466010637.onamaeweb.jp/?p=1668). The expiry day's own refusal sends the person to the
  counter that day, where the filing is in time (the special period, 入管法 art. 20(6), applies to an
  application made "by the expiry"); after the expiry day the period has ended.
- Acquisition (在留資格取得): within 30 days of the birth or loss of Japanese nationality (row 4).
Refusals are ``Refusal`` keys; a too-early one names the day from which the person may file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .dates import add_months
from .normalise import nfkc
from .refusal import Refusal

EXTENSION_WINDOW_MONTHS = 3
WINDOW_APPLIES_FROM_MONTHS = 6  # a period of stay of 6 months or more has the 3-month window
ACQUISITION_DAYS = 30
EARLY_FILING = "early_filing"  # the examiner's flag: filed before the window, with a special reason
WINDOWED = ("extension",)
UNTIL_EXPIRY = ("change", "extension")


@dataclass(frozen=True)
class Timing:
    procedure: str
    period_expiry: date | None = None
    period_months: int | None = None  # the length of the current period of stay, when known
    early_filing_reason: str | None = None
    event_date: date | None = None


@dataclass
class TimingVerdict:
    problems: list[tuple[str, Refusal]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # for the examiner (carried by application.submitted)


def last_online_day(expiry: date) -> date:
    """The last day an extension or change may be filed online (the day before the expiry)."""
    return expiry - timedelta(days=1)


def window_opens(expiry: date, period_months: int | None = None) -> date | None:
    """The first ordinary day for an extension; None when the period is under 6 months (no window).
    An unknown period is taken as 6 months or more, the usual case, so an early filing asks its reason."""
    if period_months is not None and period_months < WINDOW_APPLIES_FROM_MONTHS:
        return None
    return add_months(expiry, -EXTENSION_WINDOW_MONTHS)


def window(expiry: date) -> tuple[date, date]:
    """First and last ordinary day of an extension filed online (a period of 6 months or more)."""
    opens = window_opens(expiry)
    assert opens is not None
    return opens, last_online_day(expiry)


def acquisition_deadline(event_date: date) -> date:
    return event_date + timedelta(days=ACQUISITION_DAYS)


def check(t: Timing, today: date) -> TimingVerdict:
    verdict = TimingVerdict()
    if t.procedure in UNTIL_EXPIRY and t.period_expiry is not None:
        if today == t.period_expiry:
            # Not too late: filed today at the counter, the application is in time and the special period
            # applies (入管法 20(6), 21(4)); only the online system refuses it. Say so, not "too late".
            verdict.problems.append(("period_expiry", Refusal("eligibility.expiry_day")))
        elif today > t.period_expiry:
            verdict.problems.append(("period_expiry", Refusal("eligibility.too_late")))
        elif t.procedure in WINDOWED:
            opens = window_opens(t.period_expiry, t.period_months)
            if opens is not None and today < opens:
                if (t.early_filing_reason or "").strip():
                    verdict.flags.append(EARLY_FILING)
                else:
                    verdict.problems.append(("period_expiry", Refusal("eligibility.too_early", opens)))
    if t.procedure == "acquisition" and t.event_date is not None:
        if t.event_date > today:
            verdict.problems.append(("event_date", Refusal("error.date_in_future")))
        elif today > acquisition_deadline(t.event_date):
            verdict.problems.append(("event_date", Refusal("eligibility.acquisition_late")))
    return verdict


_ISO_PERIOD = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?")
_PERIOD = re.compile(r"(\d+)\s*(years?|yrs?|年|months?|か月|ヶ月|ケ月|カ月|箇月|ヵ月|月|days?|日)", re.IGNORECASE)


def period_months(text: str | None) -> int | None:
    """Whole months in a period of stay as written on the card ("1 year", "6 months", "3年", "90日");
    None when the text names no period. Days count in whole months of 30 (90 days is 3 months)."""
    iso = _ISO_PERIOD.fullmatch((text or "").strip())
    if iso and any(iso.groups()):  # the form's codes (vocabulary.PERIODS_OF_STAY): P3Y, P1Y3M, P90D
        years, months_, days = (int(g or 0) for g in iso.groups())
        return 12 * years + months_ + days // 30
    months = 0
    found = False
    for number, unit in _PERIOD.findall(nfkc(text or "")):
        found = True
        n = int(number)
        u = unit.lower()
        if u.startswith("y") or u == "年":
            months += 12 * n
        elif u.startswith("d") or u == "日":
            months += n // 30
        else:
            months += n
    return months if found else None
