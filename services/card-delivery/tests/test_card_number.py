"""The validity date beside a card's number, read as a person types it from the card or a date field gives it."""

from __future__ import annotations

from datetime import date

import pytest

from card_delivery.domain.card_number import printed_date


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("2031-05-20", date(2031, 5, 20)),  # a date field
        ("2031/5/20", date(2031, 5, 20)),
        ("2031.05.20", date(2031, 5, 20)),
        ("2031年05月20日", date(2031, 5, 20)),  # as printed on the card
        ("２０３１年５月２０日", date(2031, 5, 20)),  # full-width, as a Japanese keyboard types it
        (" 2031 年 5 月 20 日 ", date(2031, 5, 20)),
    ],
)
def test_the_printed_validity_date_is_read_as_people_type_it(typed, meant):
    assert printed_date(typed) == meant


@pytest.mark.parametrize("typed", [None, "", "20/05/2031", "2031-02-30", "2031-13-01", "2031-05", "R13.5.20", "soon"])
def test_what_is_not_a_date_is_not_guessed_at(typed):
    assert printed_date(typed) is None
