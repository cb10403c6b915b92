"""A residence card's validity (Immigration Control Act art. 19-5) and what the public check says of it by day."""

from __future__ import annotations

from datetime import date

import pytest

from card_delivery.domain.card_validity import (
    CardValidity,
    at_issue,
    card_validity,
    old_card,
    sixteenth_birthday_eve,
    status_on,
)
from zairyu_shared.stay_periods import special_period_end

ISSUED = date(2026, 12, 7)


def test_a_permanent_residents_card_runs_seven_years_counting_its_issue_day():
    # (1)(i): 交付の日から起算して七年を経過する日: issued 7 Dec 2026, the last day is 6 Dec 2033
    for status in ("permanent_resident", "hsp_2"):
        assert card_validity(status, None, ISSUED) == CardValidity(date(2033, 12, 6), False)
        assert card_validity(status, None, ISSUED, birth_date=date(1990, 5, 1)) == CardValidity(
            date(2033, 12, 6), False
        )


def test_a_child_permanent_residents_card_ends_on_the_eve_of_the_16th_birthday():
    # (1)(ii); a Highly Skilled Professional (ii) is (1)(i) at any age
    assert card_validity("permanent_resident", None, ISSUED, date(2015, 3, 10)) == CardValidity(date(2031, 3, 9), False)
    assert card_validity("hsp_2", None, ISSUED, date(2015, 3, 10)).valid_until == date(2033, 12, 6)
    # 16 on the issue day (the birthday's eve has ended): an adult's card
    assert card_validity("permanent_resident", None, ISSUED, date(2010, 12, 7)).valid_until == date(2033, 12, 6)
    # the eve of the birthday is still under 16
    assert card_validity("permanent_resident", None, ISSUED, date(2010, 12, 8)).valid_until == date(2026, 12, 7)


def test_anyone_elses_card_runs_to_the_period_of_stay_or_the_eve_of_16_whichever_is_first():
    expiry = date(2029, 12, 6)
    assert card_validity("engineer_humanities", expiry, ISSUED) == CardValidity(expiry, True)  # (1)(iii)
    assert card_validity("dependent", expiry, ISSUED, date(1995, 1, 1)) == CardValidity(expiry, True)
    assert card_validity("dependent", expiry, ISSUED, date(2012, 6, 1)) == CardValidity(date(2028, 5, 31), False)
    assert card_validity("dependent", expiry, ISSUED, date(2014, 6, 1)) == CardValidity(expiry, True)  # (1)(iv)


def test_a_29_february_birthday_is_28_february_in_a_common_year():
    assert sixteenth_birthday_eve(date(2012, 2, 29)) == date(2028, 2, 28)  # 2028 is a leap year
    assert sixteenth_birthday_eve(date(2084, 2, 29)) == date(2100, 2, 27)  # 2100 is not


def test_unknown_when_the_decision_gives_no_coded_status_or_no_expiry():
    assert card_validity(None, date(2029, 1, 1), ISSUED) is None
    assert card_validity("student", None, ISSUED) is None


@pytest.mark.parametrize(
    "today, said",
    [
        (date(2027, 4, 1), "valid"),  # the expiry day itself
        (date(2027, 4, 2), "special_period"),
        (date(2027, 6, 1), "special_period"),  # two months from the expiry (visa-88.com/tokurei's example)
        (date(2027, 6, 2), "expired"),
    ],
)
def test_past_its_expiry_a_stay_card_is_in_the_special_period_for_two_months_then_expired(today, said):
    validity = card_validity("student", date(2027, 4, 1), ISSUED)
    assert special_period_end(date(2027, 4, 1)) == date(2027, 6, 1)
    assert status_on(validity, today) == said


def test_a_seven_year_or_birthday_card_has_no_special_period():
    seven = card_validity("permanent_resident", None, ISSUED)
    assert status_on(seven, date(2033, 12, 6)) == "valid"
    assert status_on(seven, date(2033, 12, 7)) == "expired"
    child = card_validity("dependent", date(2029, 12, 6), ISSUED, date(2012, 6, 1))
    assert status_on(child, date(2028, 6, 1)) == "expired"


def test_a_card_whose_validity_is_unknown_stays_valid_until_replaced():
    assert status_on(None, date(2099, 1, 1)) == "valid"


def test_a_change_or_an_acquisition_runs_from_the_issue_day_an_extension_follows_on_the_old_expiry():
    # the permission takes effect with the new card; its day is not counted (Civil Code art. 140)
    assert at_issue("change", "student", "P1Y", None, ISSUED) == CardValidity(date(2027, 12, 7), True)
    assert at_issue("acquisition", "dependent", "P1Y", None, ISSUED, date(2026, 10, 1)).valid_until == date(2027, 12, 7)
    assert at_issue("extension", "student", "P1Y", date(2027, 1, 31), ISSUED).valid_until == date(2028, 1, 31)
    assert at_issue("extension", "student", "P1Y", None, ISSUED) is None  # the old expiry unknown: not guessed


def test_an_old_card_runs_to_the_old_expiry_with_the_special_period_and_is_unknown_without_it():
    assert old_card(date(2027, 1, 31)) == CardValidity(date(2027, 1, 31), True)
    assert status_on(old_card(date(2027, 1, 31)), date(2027, 3, 31)) == "special_period"
    assert status_on(old_card(date(2027, 1, 31)), date(2027, 4, 1)) == "expired"
    assert old_card(None) is None
