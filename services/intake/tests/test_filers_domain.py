"""Who may file on whose behalf (domain/filers.py), through the form and eligibility rules that use it."""

from __future__ import annotations

from datetime import date

import pytest

from intake.domain import filers, form, procedures, routing
from intake.domain.fields import Field, clean

TODAY = date(2026, 11, 25)
VALID_CORPORATE = "7000012050002"
PROXIES = filers.FAMILY_ROLES + filers.ORGANISATION_ROLES


def _proxy_form(role, **over):
    raw = {
        "applicant_name": "ＴＲＡＮ　ＴＨＩ　ＢＩＮＨ",
        "applicant_date_of_birth": "1995-05-05",
        "applicant_sex": "female",
        "applicant_address": "大阪府大阪市北区梅田１－１",
        "filer_relationship": "mother",
        "applicant_ill": "no",
        "filer_address": "東京都港区芝公園４－２－８",
        "organisation_name": "Example KK",
        "filer_corporate_number": VALID_CORPORATE,
        "agent_qualification": "gyoseishoshi",
        "agent_number": "ＡＢ－１２３４５",
        "nationality": "Viet Nam",
        "place_of_birth": "Hanoi",
        "marital_status": "single",
        "occupation": "engineer",
        "home_town": "Hanoi",
        "phone": "090-1234-5678",
        "passport_number": "C1234567",
        "passport_expiry": "2030-01-01",
        "current_status": "engineer_humanities",
        "period_of_stay": "1 year",
        "period_expiry": "2027-01-10",
        "card_number": "AB12345678CD",
        "reason": "Continue working",
        "criminal_record": "no",
        "employer_name": "Example KK",
        "corporate_number": VALID_CORPORATE,
        "employer_address": "東京都千代田区",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "employees": "120",
        "job_description": "Software",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "300000",
        "desired_status": "engineer_humanities",
        "desired_period": "3 years",
    }
    raw.update(over)
    return raw


def _errors(role, procedure="extension", **over):
    return form.validate(form.Choice(procedure, filer_role=role), _proxy_form(role, **over), TODAY)[1]


# --- the under-16 boundary on the submission date ------------------------------------------------
@pytest.mark.parametrize(
    "born, under",
    [
        (date(2010, 11, 26), True),  # turns 16 tomorrow
        (date(2010, 11, 25), False),  # turns 16 today: no longer under 16
        (date(2010, 11, 24), False),
        (date(2026, 11, 25), True),
    ],
)
def test_under_16_on_the_submission_date(born, under):
    assert filers.under_age(born, TODAY) is under


# Corrected (issue 16): legal representatives were held to the relatives' condition.
@pytest.mark.parametrize("role", ["relative"])
@pytest.mark.parametrize(
    "born, ill, problem",
    [
        ("2010-11-26", "no", None),  # under 16: no illness needed
        ("2010-11-25", "no", "filer.family_needs_minor_or_illness"),  # 16 today, not ill: refused
        ("1990-01-01", "no", "filer.family_needs_minor_or_illness"),
        ("1990-01-01", "yes", None),  # ill: allowed (the medical certificate is checked with the attachments)
    ],
)
def test_family_may_file_only_for_a_child_under_16_or_an_ill_applicant(role, born, ill, problem):
    errors = _errors(role, applicant_date_of_birth=born, applicant_ill=ill)
    assert errors.get("applicant_ill") == problem
    assert errors == ({"applicant_ill": problem} if problem else {})


def test_a_legal_representative_files_for_an_adult_who_is_not_ill():
    assert _errors("legal_representative", applicant_date_of_birth="1990-01-01") == {}
    assert "applicant_ill" not in {f.name for f in filers.applicant_fields("legal_representative", "extension")}


@pytest.mark.parametrize("role", ["relative"])
def test_an_ill_adult_needs_a_medical_certificate_a_child_does_not(role):
    values, _ = form.validate(
        form.Choice("extension", filer_role=role),
        _proxy_form(role, applicant_date_of_birth="1990-01-01", applicant_ill="yes"),
        TODAY,
    )
    assert filers.needs_medical_certificate(role, values, TODAY)
    assert not filers.needs_medical_certificate("legal_representative", values, TODAY)
    child, _ = form.validate(
        form.Choice("extension", filer_role=role),
        _proxy_form(role, applicant_date_of_birth="2015-01-01", applicant_ill="yes"),
        TODAY,
    )
    assert not filers.needs_medical_certificate(role, child, TODAY)
    assert not filers.needs_medical_certificate("employer_staff", values, TODAY)


def test_birth_date_in_the_future_is_refused():
    assert (
        _errors("relative", applicant_date_of_birth="2027-01-01")["applicant_date_of_birth"] == "error.date_in_future"
    )


# --- organisations ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", filers.ORGANISATION_ROLES)
def test_organisations_are_accepted_with_their_details(role):
    status = {"supervising_organisation": "tit_2b", "support_organisation": "ssw_1"}.get(role, "engineer_humanities")
    entrusted = {filers.SUPPORT_ENTRUSTED: "yes"} if role == "support_organisation" else {}
    assert _errors(role, current_status=status, **entrusted) == {}


def test_a_support_organisation_files_only_when_the_receiving_organisation_entrusted_and_asked_it():
    """ISA's Q&A A1-1 note 4: a registered support organisation's staff file only when asked by the receiving
    organisation (所属機関から依頼を受けていること); it was never asked, and any support organisation could file."""
    ssw = dict(current_status="ssw_1")
    assert _errors("support_organisation", **ssw)[filers.SUPPORT_ENTRUSTED] == "error.required"
    refused = _errors("support_organisation", **ssw, **{filers.SUPPORT_ENTRUSTED: "no"})
    assert refused == {filers.SUPPORT_ENTRUSTED: "filer.support_organisation_not_entrusted"}
    assert _errors("support_organisation", **ssw, **{filers.SUPPORT_ENTRUSTED: "yes"}) == {}
    # asked of a support organisation only: the employer's own staff are the receiving organisation
    employer = form.fields_for(form.Choice("extension", filer_role="employer_staff"), "employer")
    assert filers.SUPPORT_ENTRUSTED not in {f.name for f in employer}
    assert _errors("employer_staff", **ssw) == {}


@pytest.mark.parametrize("role", filers.ORGANISATION_ROLES)
@pytest.mark.parametrize("missing", ["organisation_name", "filer_address"])
def test_organisations_must_name_themselves_and_their_address(role, missing):
    assert _errors(role, **{missing: " "})[missing] == "error.required"


@pytest.mark.parametrize("role", filers.CORPORATE_NUMBER_ROLES)
def test_employers_support_and_supervising_organisations_need_a_valid_corporate_number(role):
    assert _errors(role, filer_corporate_number="")["filer_corporate_number"] == "error.required"
    assert _errors(role, filer_corporate_number="8000012050002")["filer_corporate_number"] == "error.corporate_number"
    assert _errors(role, filer_corporate_number="７０００－０１２０－５０００２").get("filer_corporate_number") is None


def test_licensed_agents_give_their_registration_number_not_a_corporate_number():
    assert _errors("licensed_agent", filer_corporate_number="").get("filer_corporate_number") is None
    assert _errors("licensed_agent", agent_number="")["agent_number"] == "error.required"
    assert _errors("licensed_agent", agent_number="東京-1")["agent_number"] == "error.agent_number"
    assert clean(Field("n", "agent_number"), "ａｂ－１２３４５") == ("AB12345", None)
    assert _errors("licensed_agent", agent_qualification="notary")["agent_qualification"] == "error.choice"


def test_family_filers_give_their_relationship_and_address_not_an_organisation():
    assert [f.name for f in filers.filer_fields("relative")] == ["filer_relationship", "filer_address"]
    assert [f.name for f in filers.applicant_fields("relative")][-1] == "applicant_ill"
    assert "applicant_ill" not in [f.name for f in filers.applicant_fields("employer_staff")]
    assert (
        _errors("relative", organisation_name="", filer_corporate_number="", applicant_date_of_birth="2015-01-01") == {}
    )
    assert _errors("legal_representative", filer_relationship="")["filer_relationship"] == "error.required"


@pytest.mark.parametrize("role", PROXIES)
@pytest.mark.parametrize("missing", ["applicant_name", "applicant_date_of_birth", "applicant_sex", "applicant_address"])
def test_a_proxy_types_the_applicants_identity(role, missing):
    assert _errors(role, **{missing: ""})[missing] == "error.required"


def test_self_filing_asks_no_identity_nor_filer_section():
    sections = form.sections_for(form.Choice("extension"), "engineer_humanities")
    assert "filer" not in sections and "applicant" not in sections
    assert form.sections_for(form.Choice("extension", filer_role="employer_staff"), "engineer_humanities")[:2] == [
        "filer",
        "applicant",
    ]


def test_identity_is_nfkc_normalised():
    values, _ = form.validate(
        form.Choice("extension", filer_role="employer_staff"), _proxy_form("employer_staff"), TODAY
    )
    assert values["applicant_name"] == "TRAN THI BINH"
    assert values["applicant_date_of_birth"] == date(1995, 5, 5)


# --- who may file which procedure --------------------------------------------------------------------
def test_the_applicant_may_file_their_own_coe():
    # Corrected (issue 16): ISA's table lets the foreign national file a COE; it was always refused.
    assert procedures.check(procedures.Request("coe", desired_status="engineer_humanities"), TODAY).eligible


@pytest.mark.parametrize("role", PROXIES)
def test_a_coe_is_filed_by_someone_in_japan(role):
    status = {"supervising_organisation": "tit_1b", "support_organisation": "ssw_1"}.get(role, "engineer_humanities")
    assert procedures.check(procedures.Request("coe", desired_status=status, filer_role=role), TODAY).eligible


@pytest.mark.parametrize("role", filers.ROLES)
@pytest.mark.parametrize(
    "procedure, field_name, kw",
    [
        ("extension", "current_status", {"current_status": "tit_2b", "period_expiry": date(2027, 1, 10)}),
        (
            "change",
            "desired_status",
            {"current_status": "tit_2b", "desired_status": "tit_3b", "period_expiry": date(2027, 1, 10)},
        ),
        ("coe", "desired_status", {"desired_status": "tit_1b"}),
    ],
)
def test_technical_intern_type_b_only_by_the_supervising_organisation(role, procedure, field_name, kw):
    v = procedures.check(procedures.Request(procedure, filer_role=role, **kw), TODAY)
    refused = (field_name, "eligibility.supervising_organisation_only") in v.problems
    assert refused is (role != "supervising_organisation")
    if role == "supervising_organisation":
        assert v.eligible


@pytest.mark.parametrize("role", filers.ROLES)
def test_leaving_technical_intern_type_b_for_specified_skilled_worker_is_the_new_statuss_application(role):
    # Corrected (2026-12-07): the type ロ restriction bound the current status too, so a change from
    # Technical Intern Training (ii) ロ to Specified Skilled Worker (i), the usual next step, was refused to
    # every filer (the supervising organisation as well, which files only type ロ). ISA: type ロ applications
    # come only from the supervising organisation; a change to SSW (i) is an SSW application.
    kw = {"current_status": "tit_2b", "desired_status": "ssw_1", "period_expiry": date(2027, 1, 10)}
    v = procedures.check(procedures.Request("change", filer_role=role, **kw), TODAY)
    assert not any(key == "eligibility.supervising_organisation_only" for _f, key in v.problems), v.problems
    if role == "supervising_organisation":
        assert v.problems == [("filer_role", "filer.supervising_organisation_tit_only")]
    else:  # (a relative's own condition, under 16 or ill, is checked with the applicant's identity, as always)
        assert v.eligible, v.problems


def test_an_unknown_role_is_refused():
    v = procedures.check(
        procedures.Request(
            "extension", current_status="student", period_expiry=date(2027, 1, 10), filer_role="neighbour"
        ),
        TODAY,
    )
    assert ("filer_role", "error.choice") in v.problems


# --- routing --------------------------------------------------------------------------------------------
def test_coe_goes_by_the_receiving_organisation_or_inviter_everything_else_by_the_applicants_address():
    # Corrected (issue 16): a COE went by the filer's address (a licensed agent's own office).
    values = {
        "filer_address": "福岡県福岡市",
        "applicant_address": "大阪府大阪市",
        "employer_address": "愛知県名古屋市",
        "inviter_address": "北海道札幌市",
    }
    assert routing.routing_address("coe", "licensed_agent", "東京都新宿区", values, ["employer"]) == "愛知県名古屋市"
    assert routing.routing_address("coe", "relative", "東京都新宿区", values, ["supporting_person"]) == "北海道札幌市"
    assert routing.routing_address("extension", "employer_staff", "東京都新宿区", values) == "大阪府大阪市"
    assert routing.routing_address("change", "relative", "東京都新宿区", values) == "大阪府大阪市"
    assert routing.routing_address("extension", "self", "東京都新宿区", values) == "東京都新宿区"


def test_filer_and_applicant_records_for_the_signed_document():
    values, _ = form.validate(
        form.Choice("extension", filer_role="licensed_agent"), _proxy_form("licensed_agent"), TODAY
    )
    holder = {"name": "SATO HANAKO", "date_of_birth": "1970-01-01", "sex": "female", "address": "東京都港区"}
    record = filers.filer_record("licensed_agent", holder, values)
    assert record == {
        "role": "licensed_agent",
        "holder": holder,
        "agent_qualification": "gyoseishoshi",
        "organisation_name": "Example KK",
        "filer_address": "東京都港区芝公園4-2-8",
        "agent_number": "AB12345",
    }
    assert filers.organisation_number("licensed_agent", values) == "AB12345"
    employer, _ = form.validate(
        form.Choice("extension", filer_role="employer_staff"), _proxy_form("employer_staff"), TODAY
    )
    assert filers.organisation_number("employer_staff", employer) == VALID_CORPORATE
    assert "agent_number" not in employer  # only the role's own filer fields are kept
    assert filers.organisation_number("relative", values) is None
    applicant = filers.applicant_record(values)
    assert applicant["name"] == "TRAN THI BINH" and applicant["card_number"] == "AB12345678CD"


# --- 29 February (found 2026-12-07, session 20): the 15th year ends with 28 February in a common year ----------
def test_born_29_february_files_themself_from_1_march_of_a_common_year():
    """Civil Code art. 143(2) and the Act on the Calculation of Age (zairyu_shared.ages): born 29 Feb 2012, one is 15
    once 28 Feb 2027 has ended. Counting the anniversary as 28 February let a 14-year-old file a day early and told
    them so."""
    born = date(2012, 2, 29)
    (problem,) = filers.self_problems("self", born, "student", None, date(2027, 2, 28))
    assert problem == ("filer_role", "filer.self_under_15") and problem[1].from_date == date(2027, 3, 1)
    assert filers.self_problems("self", born, "student", None, date(2027, 3, 1)) == []
