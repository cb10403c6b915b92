"""A person's age on a day, as Japanese law counts it: shared by intake (who may file: a relative for someone under
16, the person themself from 15) and card-delivery (a residence card issued to someone under 16, Immigration
Control Act art. 19-5(1)(ii)/(iv)).

The Act on the Calculation of Age (年齢計算ニ関スル法律, 1902) counts age from the day of birth, that day included,
and applies Civil Code art. 143: a year of age ends on the day before the birthday's anniversary, or, with no such
day in that year's month (born 29 February, a common year), on the month's last day (art. 143(2) proviso). One is N
years old from the moment that day ends: from the anniversary, and from 1 March for a 29 February birthday in a
common year (the House of Councillors' Legislative Bureau: 「2008年2月29日生まれの者は、2009年2月28日限り（すなわち
2月28日の24時）をもって満1歳になります」, quoted by j-cast.com 2020-02-29). So on the day before the anniversary one
is still N - 1.
"""

from __future__ import annotations

from datetime import date, timedelta

from zairyu_shared.stay_periods import period_end


def age_reached_on(date_of_birth: date, years: int) -> date:
    """The first day on which someone born on ``date_of_birth`` is ``years`` old."""
    return period_end(date_of_birth, years, 0, 0) + timedelta(days=1)


def under_age(date_of_birth: date, on: date, years: int) -> bool:
    """Whether someone born on ``date_of_birth`` is younger than ``years`` on the day ``on``."""
    return on < age_reached_on(date_of_birth, years)
