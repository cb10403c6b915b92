"""The domain's rules: eligibility, windows, bundling, fees, routing, normalisation, canonical bytes."""

from __future__ import annotations

from datetime import date

import pytest

from intake.domain import canonical, fees, form, numbers, procedures, routing, statuses, timeline
from intake.domain.dates import add_months
from intake.domain.fields import Field, clean, corporate_number_ok, parse_date

TODAY = date(2026, 11, 25)


def req(**kw):
    kw.setdefault("procedure", "extension")
    kw.setdefault("current_status", "engineer_humanities")
    kw.setdefault("period_expiry", date(2027, 1, 10))
    return procedures.Request(**kw)


# --- eligibility ----------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["diplomat", "temporary_visitor", "designated_departure"])
def test_excluded_statuses_cannot_extend_or_change(status):
    assert ("current_status", "eligibility.status_excluded") in procedures.check(
        req(current_status=status), TODAY
    ).problems
    v = procedures.check(req(procedure="change", current_status="student", desired_status=status), TODAY)
    assert ("desired_status", "eligibility.status_excluded") in v.problems


def test_every_status_in_the_reference_is_listed_with_both_names():
    ja = {s.ja for s in statuses.STATUSES}
    for name in [
        "外交",
        "公用",
        "教授",
        "芸術",
        "宗教",
        "報道",
        "経営・管理",
        "法律・会計業務",
        "医療",
        "研究",
        "教育",
        "技術・人文知識・国際業務",
        "企業内転勤",
        "介護",
        "興行",
        "技能",
        "文化活動",
        "短期滞在",
        "留学",
        "研修",
        "家族滞在",
        "特定活動",
        "永住者",
        "日本人の配偶者等",
        "永住者の配偶者等",
        "定住者",
    ]:
        assert name in ja
    assert all(s.en and s.ja for s in statuses.STATUSES)
    assert len({s.code for s in statuses.STATUSES}) == len(statuses.STATUSES)


def test_technical_intern_type_b_is_for_the_supervising_organisation():
    v = procedures.check(req(current_status="tit_2b"), TODAY)
    assert ("current_status", "eligibility.supervising_organisation_only") in v.problems
    assert procedures.check(req(current_status="tit_2a"), TODAY).eligible


@pytest.mark.parametrize(
    "bundled", [("reentry",), ("activity_outside_status",), ("reentry", "activity_outside_status")]
)
@pytest.mark.parametrize("host", ["change", "extension", "acquisition"])
def test_bundled_permits_ride_with_change_extension_acquisition(bundled, host):
    v = procedures.check(
        req(procedure=host, bundled=bundled, desired_status="student", event_date=date(2026, 11, 20)), TODAY
    )
    assert not [p for p in v.problems if p[0] == "bundled"]


@pytest.mark.parametrize("host", ["coe", "employment_certificate"])
def test_bundled_permits_refused_with_other_procedures(host):
    v = procedures.check(req(procedure=host, bundled=("reentry",), desired_status="student"), TODAY)
    assert ("bundled", "eligibility.bundle_host") in v.problems


@pytest.mark.parametrize("alone", ["reentry", "activity_outside_status"])
def test_reentry_and_activity_permits_never_alone(alone):
    assert procedures.check(req(procedure=alone), TODAY).problems == [("procedure", "eligibility.bundled_only")]


def test_unknown_or_duplicate_bundles_are_refused():
    assert ("bundled", "error.choice") in procedures.check(req(bundled=("reentry", "reentry")), TODAY).problems
    assert ("bundled", "error.choice") in procedures.check(req(bundled=("coe",)), TODAY).problems


def test_extension_window_opens_three_months_before_expiry_and_closes_the_day_before():
    expiry = date(2027, 2, 25)
    kw = dict(procedure="extension", period_expiry=expiry)
    early = procedures.check(req(**kw), date(2026, 11, 24)).problems
    assert early == [("period_expiry", "eligibility.too_early")] and early[0][1].from_date == date(2026, 11, 25)
    assert procedures.check(req(**kw), date(2026, 11, 25)).eligible
    assert procedures.check(req(**kw), date(2027, 2, 24)).eligible
    # The expiry day: not online, but not too late either (the counter, today); the day after: too late.
    assert procedures.check(req(**kw), date(2027, 2, 25)).problems == [("period_expiry", "eligibility.expiry_day")]
    assert procedures.check(req(**kw), date(2027, 2, 26)).problems == [("period_expiry", "eligibility.too_late")]


def test_change_has_no_window_only_the_day_before_expiry_online():
    # Corrected (issue 16): a change was held to the extension's 3-month window.
    expiry = date(2027, 2, 25)
    kw = dict(procedure="change", period_expiry=expiry, desired_status="business_manager")
    assert procedures.check(req(**kw), date(2026, 3, 1)).eligible
    assert procedures.check(req(**kw), date(2027, 2, 24)).eligible
    assert procedures.check(req(**kw), date(2027, 2, 25)).problems == [("period_expiry", "eligibility.expiry_day")]
    assert procedures.check(req(**kw), date(2027, 3, 1)).problems == [("period_expiry", "eligibility.too_late")]


def test_window_clamps_at_month_end():
    assert procedures.window(date(2027, 5, 31)) == (date(2027, 2, 28), date(2027, 5, 30))
    assert add_months(date(2028, 5, 31), -3) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 15), -3) == date(2025, 10, 15)


def test_acquisition_within_thirty_days_of_the_event():
    born = date(2026, 10, 26)
    ok = req(procedure="acquisition", desired_status="spouse_pr", event_date=born, current_status=None)
    assert procedures.check(ok, date(2026, 11, 25)).eligible
    assert procedures.check(ok, date(2026, 11, 26)).problems == [("event_date", "eligibility.acquisition_late")]
    future = req(procedure="acquisition", desired_status="spouse_pr", event_date=date(2026, 12, 1))
    assert ("event_date", "error.date_in_future") in procedures.check(future, TODAY).problems


def test_change_within_the_same_status_where_the_permission_names_employer_or_activity():
    # Corrected (issue 16): every same-status change was refused.
    same = req(procedure="change", desired_status="engineer_humanities")
    assert ("desired_status", "eligibility.change_same_status") in procedures.check(same, TODAY).problems
    for code in ("ssw_1", "hsp_1a", "designated_activities"):
        assert procedures.check(
            req(procedure="change", current_status=code, desired_status=code, notice_number=46), TODAY
        ).eligible, code
    pr = req(procedure="change", desired_status="permanent_resident")
    assert ("desired_status", "eligibility.permanent_residence_not_online") in procedures.check(pr, TODAY).problems


def test_permanent_resident_has_nothing_to_extend_but_may_ask_for_an_employment_certificate():
    v = procedures.check(req(current_status="permanent_resident", period_expiry=None), TODAY)
    assert ("current_status", "eligibility.no_period_to_extend") in v.problems
    assert procedures.check(
        req(procedure="employment_certificate", current_status="permanent_resident", period_expiry=None), TODAY
    ).eligible


def test_coe_needs_a_desired_status_not_the_window():
    assert procedures.check(procedures.Request("coe", desired_status="student", filer_role="relative"), TODAY).eligible
    assert procedures.check(procedures.Request("coe", filer_role="relative"), TODAY).problems == [
        ("desired_status", "error.required")
    ]


# --- fees -------------------------------------------------------------------------------------
def test_fees_at_online_rates():
    assert fees.total("extension") == 5500
    assert fees.total("change") == 5500
    assert fees.total("employment_certificate") == 1600
    assert fees.total("coe") == 0
    assert fees.total("extension", ("reentry",), "single") == 9000
    assert fees.total("change", ("reentry", "activity_outside_status"), "multiple") == 12000
    assert fees.lines("extension", ("reentry",), "multiple") == [("extension", 5500), ("reentry_multiple", 6500)]


# --- routing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address,bureau",
    [
        ("東京都新宿区西新宿2-8-1", "tokyo"),
        ("北海道札幌市中央区", "sapporo"),
        ("京都府京都市左京区", "osaka"),
        ("沖縄県那覇市", "fukuoka"),
        ("香川県高松市", "takamatsu"),
        ("ﾄｳｷｮｳ", None),
        ("2-8-1 Nishi-Shinjuku, Shinjuku-ku, Tokyo 163-8001", "tokyo"),
        ("1-1 Kita, Kōchi-shi, Kōchi", "takamatsu"),
        ("Naka-ku, Hiroshima-ken", "hiroshima"),
        ("愛知県名古屋市", "nagoya"),
        ("宮城県仙台市", "sendai"),
        ("大阪府大阪市", "osaka"),
        ("広島県広島市", "hiroshima"),
        ("福岡県福岡市", "fukuoka"),
        ("somewhere abroad", None),
    ],
)
def test_bureau_from_address(address, bureau):
    assert routing.bureau_for_address(address) == bureau


def test_every_prefecture_routes_to_one_bureau():
    assert len(routing.PREFECTURE_TO_BUREAU) == 47
    assert set(routing.PREFECTURE_TO_BUREAU.values()) == set(routing.BUREAU_PREFECTURES)


# --- normalisation and field checks ----------------------------------------------------------
def test_full_width_input_is_normalised_not_refused():
    assert clean(Field("p", "passport"), "ｔｋ１２３４５６７") == ("TK1234567", None)
    assert clean(Field("c", "card_number"), "ＡＢ１２３４５６７８ＣＤ") == ("AB12345678CD", None)
    assert clean(Field("d", "date"), "２０２７－０１－３１") == (date(2027, 1, 31), None)
    assert clean(Field("d", "date"), "2027年1月31日") == (date(2027, 1, 31), None)
    assert clean(Field("n", "integer"), "２５０，０００円") == (250000, None)
    assert clean(Field("t", "phone"), "０９０ー１２３４ー５６７８") == ("090-1234-5678", None)
    assert clean(Field("x", "text"), "  ﾔﾏﾀﾞ　太郎 ") == ("ヤマダ 太郎", None)


def test_field_errors_are_message_keys():
    assert clean(Field("d", "date"), "31/02/2027")[1] == "error.date"
    assert clean(Field("d", "date"), "2027-02-30")[1] == "error.date"
    assert clean(Field("c", "card_number"), "A12345678CD")[1] == "error.card_number"
    assert clean(Field("p", "phone"), "12")[1] == "error.phone"
    assert clean(Field("r", "text"), "   ")[1] == "error.required"
    assert clean(Field("r", "text", required=False), "") == (None, None)
    assert clean(Field("t", "text", max_length=3), "abcd")[1] == "error.too_long"
    assert clean(Field("n", "integer", maximum=28), "40")[1] == "error.too_large"
    assert clean(Field("c", "choice", choices=("a",)), "b")[1] == "error.choice"


def test_corporate_number_check_digit():
    assert corporate_number_ok("7000012050002")  # National Tax Agency
    assert not corporate_number_ok("8000012050002")
    assert not corporate_number_ok("700001205000")


def test_parse_date_variants():
    assert parse_date("2026/1/2") == date(2026, 1, 2)
    assert parse_date("2026.01.02") == date(2026, 1, 2)
    assert parse_date("tomorrow") is None


# --- the whole form ---------------------------------------------------------------------------
def _worker_form(**over):
    raw = {
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
        "corporate_number": "7000012050002",
        "employer_address": "東京都千代田区",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "employees": "120",
        "job_description": "Software",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "３００，０００",
    }
    raw.update(over)
    return raw


def test_sections_follow_the_status():
    assert form.sections_for(form.Choice("extension"), "engineer_humanities") == [
        "personal",
        "stay",
        "request",
        "employer",
    ]
    assert "school" in form.sections_for(form.Choice("change"), "student")
    assert "supporting_person" in form.sections_for(form.Choice("extension"), "dependent")
    assert "supporting_person" in form.sections_for(form.Choice("extension"), "spouse_japanese")
    assert form.sections_for(form.Choice("coe", filer_role="relative"), "student")[:3] == [
        "filer",
        "applicant",
        "personal",
    ]
    assert "event" in form.sections_for(form.Choice("acquisition"), "long_term_resident")
    assert form.sections_for(form.Choice("extension", ("reentry",)), "student")[-1] == "reentry"
    assert "designated" in form.sections_for(form.Choice("extension"), "designated_activities")


def test_a_complete_worker_extension_validates():
    values, errors = form.validate(form.Choice("extension"), _worker_form(), TODAY)
    assert errors == {}
    assert values["monthly_salary_yen"] == 300000
    assert values["period_expiry"] == date(2027, 1, 10)
    assert "desired_status" not in values


def test_form_errors_per_field_including_eligibility():
    raw = _worker_form(employer_name="", phone="abc", period_expiry="2027-06-30", criminal_record="yes")
    _, errors = form.validate(form.Choice("extension"), raw, TODAY)
    assert errors == {
        "employer_name": "error.required",
        "phone": "error.phone",
        "period_expiry": "eligibility.too_early",
        "criminal_record_detail": "error.required",
    }


def test_the_new_card_comes_by_post_unless_the_counter_is_chosen():
    values, errors = form.validate(form.Choice("extension"), _worker_form(), TODAY)
    assert errors == {} and values["card_receipt"] == "post"  # blank: the default, signed like any value
    values, errors = form.validate(form.Choice("extension"), _worker_form(card_receipt="counter"), TODAY)
    assert errors == {} and values["card_receipt"] == "counter"
    _, errors = form.validate(form.Choice("extension"), _worker_form(card_receipt="drone"), TODAY)
    assert errors == {"card_receipt": "error.choice"}
    # only procedures that issue a residence card ask
    assert "card_receipt" not in {f.name for f in form.fields_for(form.Choice("coe"), "request")}
    assert "card_receipt" not in {f.name for f in form.fields_for(form.Choice("employment_certificate"), "request")}
    assert "card_receipt" in {f.name for f in form.fields_for(form.Choice("acquisition"), "request")}


def test_contract_end_before_start_is_an_error():
    _, errors = form.validate(form.Choice("extension"), _worker_form(contract_to="2020-01-01"), TODAY)
    assert errors == {"contract_to": "error.end_before_start"}


def test_permanent_resident_employment_certificate_needs_no_expiry():
    raw = _worker_form(current_status="permanent_resident", period_expiry="", period_of_stay="")
    _, errors = form.validate(form.Choice("employment_certificate"), raw, TODAY)
    assert errors == {}


# --- numbers, canonical bytes, timeline --------------------------------------------------------
def test_provisional_numbers_carry_a_check_digit():
    n = numbers.provisional_number(date(2026, 11, 25), "0012345")
    assert n.startswith("P-20261125-0012345-") and numbers.is_valid(n)
    wrong = n[:-1] + str((int(n[-1]) + 1) % 10)
    assert not numbers.is_valid(wrong)
    assert numbers.is_valid(numbers.provisional_number(TODAY))


def test_canonical_bytes_are_deterministic_and_order_independent():
    atts = [
        {"sha256": "b" * 64, "kind": "photo", "media_type": "image/jpeg", "size": 10},
        {"sha256": "a" * 64, "kind": "document", "media_type": "application/pdf", "size": 20},
    ]
    one = canonical.signed_document(
        application_id="app1",
        applicant_id="u1",
        procedure="extension",
        bundled=["reentry"],
        form={"b": 1, "a": date(2027, 1, 1), "name": "グエン"},
        attachments=atts,
        holder={"name": "x"},
    )
    two = canonical.signed_document(
        application_id="app1",
        applicant_id="u1",
        procedure="extension",
        bundled=("reentry",),
        form={"name": "グエン", "a": date(2027, 1, 1), "b": 1},
        attachments=list(reversed(atts)),
        holder={"name": "x"},
    )
    assert one == two
    assert "グエン".encode() in one  # UTF-8, not \u escapes
    assert b", " not in one and b": " not in one
    assert one.index(b"a" * 64) < one.index(b"b" * 64)  # ordered by (kind, sha256): document before photo
    other = canonical.signed_document(
        application_id="app1",
        applicant_id="u1",
        procedure="extension",
        bundled=["reentry"],
        form={"b": 2, "a": date(2027, 1, 1), "name": "グエン"},
        attachments=atts,
        holder={"name": "x"},
    )
    assert canonical.digest(other) != canonical.digest(one)
    assert len(canonical.digest_display(one).split(" ")) == 16


def test_timeline_moves_forward_only_and_terminal_states_stick():
    s = None
    for target in [
        "submitted",
        "signature_verified",
        "received",
        "under_examination",
        "documents_requested",
        "under_examination",
        "approved",
        "card_issued",
        "card_dispatched",
        "card_delivered",
    ]:
        s = timeline.advance(s, target)
        assert s == target
    assert timeline.advance("received", "signature_verified") == "received"  # late event: no step back
    assert timeline.advance("refused", "card_issued") == "refused"
    assert timeline.advance("withdrawal_requested", "withdrawn") == "withdrawn"
    assert timeline.is_open("under_examination") and not timeline.is_open("approved")


def test_a_returned_card_moves_the_status_back_to_dispatched_only_when_posted_again():
    # card-delivery: dispatched --record_return--> returned --dispatch--> dispatched | --hand_to_counter--> counter
    assert timeline.advance("card_dispatched", "card_returned") == "card_returned"
    assert timeline.advance("card_returned", "card_dispatched") == "card_dispatched"
    assert timeline.advance("card_returned", "card_held_at_counter") == "card_held_at_counter"
    assert timeline.advance("card_held_at_counter", "card_collected") == "card_collected"
    # An address the officer could not confirm: the issued card is kept at the counter (card_issued moves on too).
    assert timeline.advance("card_issued", "card_held_at_counter") == "card_held_at_counter"
    assert timeline.advance("approved", "card_held_at_counter") == "card_held_at_counter"
    assert timeline.advance("card_held_at_counter", "card_dispatched") == "card_held_at_counter"
    assert timeline.advance("card_delivered", "card_returned") == "card_delivered"  # terminal
    assert "card_returned" in timeline.MOVES_TO["card_dispatched"]
    assert "card_held_at_counter" not in timeline.MOVES_TO["card_dispatched"]
