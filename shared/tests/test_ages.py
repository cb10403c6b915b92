"""Age as Japanese law counts it (zairyu_shared.ages): from the anniversary; a 29 February birthday in a common
year from 1 March, the year of age ending with 28 February (Civil Code art. 143(2) proviso)."""

from datetime import date

import pytest

from zairyu_shared.ages import age_reached_on, under_age


@pytest.mark.parametrize(
    "born, years, reached",
    [
        (date(2012, 4, 2), 15, date(2027, 4, 2)),  # the anniversary
        (date(2012, 4, 1), 15, date(2027, 4, 1)),
        (date(2011, 12, 31), 16, date(2027, 12, 31)),
        (date(2012, 2, 29), 15, date(2027, 3, 1)),  # 2027 has no 29 February: 15 once 28 February has ended
        (date(2012, 2, 29), 16, date(2028, 2, 29)),  # a leap year: the anniversary itself
        (date(2084, 2, 29), 16, date(2100, 3, 1)),  # 2100 is a common year
        (date(2012, 2, 28), 15, date(2027, 2, 28)),
    ],
)
def test_the_first_day_of_an_age(born, years, reached):
    assert age_reached_on(born, years) == reached
    assert under_age(born, reached, years) is False
    assert under_age(born, date.fromordinal(reached.toordinal() - 1), years) is True


def test_born_on_29_february_is_still_14_on_28_february_of_a_common_year():
    # The Legislative Bureau's example: born 29 Feb 2008, one year old when 28 Feb 2009 ends.
    assert under_age(date(2008, 2, 29), date(2009, 2, 28), 1)
    assert not under_age(date(2008, 2, 29), date(2009, 3, 1), 1)
    assert under_age(date(2012, 2, 29), date(2027, 2, 28), 15)
