"""A Dependent (家族滞在) is the spouse or child of a holder of certain statuses only (Immigration Control Act, Annex
Table I(4)): the supporting person's status was never checked, so a Dependent of a Specified Skilled Worker (i), a
technical intern or a Japanese national went to the bureau as if lawful."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from intake.domain import form, statuses

TODAY = date(2026, 12, 7)


def _dependent_extension(supporter_status):
    return {
        "nationality": "Viet Nam",
        "place_of_birth": "Hanoi",
        "marital_status": "married",
        "occupation": "none",
        "home_town": "Hanoi",
        "phone": "090-1234-5678",
        "passport_number": "C7654321",
        "passport_expiry": (TODAY + timedelta(days=1800)).isoformat(),
        "current_status": "dependent",
        "period_of_stay": "1 year",
        "period_expiry": (TODAY + timedelta(days=40)).isoformat(),
        "card_number": "AB12345678CD",
        "reason": "Living with my husband",
        "criminal_record": "no",
        "supporter_name": "NGUYEN VAN AN",
        "supporter_relationship": "husband",
        "supporter_date_of_birth": "1994-03-15",
        "supporter_nationality": "Viet Nam",
        "supporter_status": supporter_status,
        "supporter_annual_income_yen": "4,000,000",
    }


def _supporter_error(supporter_status, procedure="extension"):
    raw = _dependent_extension(supporter_status)
    if procedure == "change":
        raw.update(current_status="student", desired_status="dependent", desired_period="1 year")
    return form.validate(form.Choice(procedure), raw, TODAY)[1].get("supporter_status")


@pytest.mark.parametrize("supporter", sorted(statuses.DEPENDENT_SUPPORTERS))
def test_the_family_of_the_statuses_the_act_names_may_hold_dependent(supporter):
    assert _supporter_error(supporter) is None


@pytest.mark.parametrize(
    "supporter",
    [
        "ssw_1",
        "tit_2a",
        "tit_1b",
        "trainee",
        "temporary_visitor",
        "designated_activities",
        "dependent",
        "japanese_national",
        "permanent_resident",
        "diplomat",
    ],
)
@pytest.mark.parametrize("procedure", ["extension", "change"])
def test_a_supporter_whose_status_brings_no_family_is_refused(supporter, procedure):
    assert _supporter_error(supporter, procedure) == "eligibility.dependent_supporter_status"


def test_the_supporting_person_of_a_spouse_visa_is_not_held_to_it():
    raw = {**_dependent_extension("japanese_national"), "current_status": "spouse_japanese"}
    assert form.validate(form.Choice("extension"), raw, TODAY)[1].get("supporter_status") is None


def test_the_refusal_is_said_at_the_step_in_the_applicants_language(client, rt):
    from journey import register

    register(client, rt)
    draft = client.post("/apply", data={"procedure": "extension", "bundled": []}).headers["Location"].split("/")[2]
    fields = _dependent_extension("ssw_1")
    for n in range(8):
        page = client.post(f"/apply/{draft}/step/{n}?lang=vi", data=fields)
        if page.status_code != 302:
            break
    body = page.data.decode()
    assert page.status_code == 422 or "error-summary" in body
    assert "không cho phép Lưu trú gia đình" in body and "Kỹ năng đặc định" in body
