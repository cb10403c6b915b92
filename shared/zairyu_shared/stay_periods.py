"""The new expiry of a period of stay an extension, a change or an acquisition granted, and the special period's
end: Japan's calendar days, shared by intake (issue 21: an organisation's roster keeps each person's expiry "from
the last decision"; the special period on the application page) and card-delivery (the new residence card's
validity, Immigration Control Act art. 19-5).

When the new period starts:
- Extension (在留期間更新): on the day after the old period's expiry, even when the extension is granted before
  it (counting from the day of permission would give less to whoever filed early than to whoever filed on the
  last day) and whatever the day of the decision (kabashima-gs.com, 「在留期間のカウントは初日不算入の原則」,
  更新: 「更新前の在留期間満了日の翌日からカウントされます」). A grant in the special period, after the expiry, is
  counted the same here (our reading: the new period follows on the old one; the source speaks of early grants).
  The period starts at the beginning of that day, so the day counts (Civil Code art. 140 proviso).
- Change (在留資格変更), and acquisition (在留資格取得; FROM_PERMISSION below): from the day of permission, which
  is not counted (Civil Code art. 140: 初日不算入): granted on 16 Jan 2017 for 1 year, the expiry is 16 Jan 2018
  (same page, 変更: 「在留資格変更の許可日の翌日からカウント」; ameblo.jp/intl-marriage-procedure/entry-12623290872
  shows that card). The permission takes effect when the new card is handed over or mailed (practitioners:
  alba-international-as.com, 「新在留カードは受領時から有効」; eng.daikou-office.com/exception-period: the result
  counts from the new card's issue), so intake counts from the decision's day at the decision and again from the
  card's issue day when card-delivery reports it.

A period in years or months ends on the day before the corresponding day of its last month, counted from its
first counted day, or on that month's last day when it has none (Civil Code art. 143(2)): extension of an expiry
of 1 Feb 2027 by 1 year -> 1 Feb 2028; change granted 31 Jan 2026 for 1 month -> 28 Feb 2026. A period in days
ends on its n-th counted day. All dates are Japan's calendar days. "indefinite" (no expiry) and a period the
decision gives only as text (older events) leave the expiry unknown: None.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from zairyu_shared.events.vocabulary import period_parts

# The roster's procedures (intake, issue 21): an extension or a change filed by an organisation.
PROCEDURES = ("extension", "change")
# Every permission whose new period runs from the day of permission, not counted (Civil Code art. 140): a change,
# and an acquisition (在留資格取得, a child born in Japan): kabashima-gs.com's 初日不算入の原則 is the rule of every
# permission but the extension (許可日が2024年7月1日 -> 2025年7月1日), as the landing card in the ameblo example shows.
FROM_PERMISSION = ("change", "acquisition")


def period_end(first_day: date, years: int, months: int, days: int) -> date:
    """The last day of a period whose first counted day is ``first_day`` (Civil Code art. 143)."""
    if days and not (years or months):
        return first_day + timedelta(days=days - 1)
    index = first_day.year * 12 + (first_day.month - 1) + years * 12 + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    if first_day.day > last_day:  # no corresponding day in that month: its last day (art. 143(2) proviso)
        end = date(year, month0 + 1, last_day)
    else:
        end = date(year, month0 + 1, first_day.day) - timedelta(days=1)
    return end + timedelta(days=days)


def new_expiry(procedure: str, period: str | None, old_expiry: date | None, permitted_on: date) -> date | None:
    """The last day of the period granted, or None when it cannot be known (not an extension, change or acquisition,
    no coded period, indefinite, an extension without its old expiry). ``permitted_on``: the day of permission."""
    if procedure not in ("extension", *FROM_PERMISSION) or not period:
        return None
    try:
        years, months, days = period_parts(period)
    except ValueError:  # "indefinite", or the text of an older decision
        return None
    if procedure == "extension":
        if old_expiry is None:
            return None
        return period_end(old_expiry + timedelta(days=1), years, months, days)
    return period_end(permitted_on + timedelta(days=1), years, months, days)


def special_period_end(expiry: date) -> date:
    """The last day a person who filed for an extension or change by ``expiry`` may stay while it is undecided:
    "在留期間の満了の日から二月が経過する日が終了する時" (Immigration Control Act art. 20(6), applied to extensions
    by art. 21(4); ISA, moj.go.jp/isa/applications/procedures/tokureikikan_00001.html), counted from the day after
    the expiry (Civil Code arts. 140, 143): an expiry of 1 April ends it on 1 June (visa-88.com/tokurei's example)."""
    return period_end(expiry + timedelta(days=1), 0, 2, 0)
