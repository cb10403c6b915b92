"""The public check knows when an issued card stops being valid (Immigration Control Act art. 19-5): the decision's
coded status and period, the old expiry and the issue day give the new card's last day; past it the special period,
then expired. Through the real consumer, the mailroom's issue and the public page and API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from card_delivery_testkit import decision_payload, deliver_decision, lookup, only_case

from card_delivery.adapters.tables import cards
from card_delivery.bootstrap import ports


def _at(runtime, day: date) -> None:
    """The service's clock at noon in Japan on ``day``."""
    moment = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    runtime.ports = replace(ports(runtime), clock=lambda: moment)


def _issued(runtime, mailroom, payload, on: date, version=None) -> str:
    _at(runtime, on)
    deliver_decision(runtime, payload, version)
    url = f"/mailroom/cases/{only_case(runtime, payload['application_id']).delivery_id}"
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 302
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
    return only_case(runtime, payload["application_id"]).card_number


def _said_on(runtime, public, number, days) -> dict:
    """What the public check answers for ``number`` on each of ``days`` (the service's clock moved to each)."""
    said = {}
    for day in days:
        _at(runtime, day)
        said[day] = lookup(public, number)
    return said


def _valid_until(runtime, number):
    with runtime.session_factory() as session:
        return session.execute(sa.select(cards.c.valid_until).where(cards.c.card_number == number)).scalar_one()


def test_an_extended_persons_new_card_reads_valid_then_special_period_then_expired(app, runtime, mailroom):
    # Extension by 1 year of a stay ending 31 Jan 2027: the new period runs 1 Feb 2027 - 31 Jan 2028
    payload = {**decision_payload(), "period_of_stay": "P1Y", "period_of_stay_expiry": "2027-01-31"}
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))
    assert _valid_until(runtime, number) == date(2028, 1, 31)
    public = app.test_client()
    said = _said_on(runtime, public, number, (date(2028, 1, 31), date(2028, 2, 1), date(2028, 3, 31), date(2028, 4, 1)))
    assert said == {
        date(2028, 1, 31): "valid",
        date(2028, 2, 1): "special_period",  # two months after the expiry: 31 March (art. 19-5(2), art. 20(6))
        date(2028, 3, 31): "special_period",
        date(2028, 4, 1): "expired",
    }
    # the answer never carries the card's dates (they would tell a stranger the holder's period of stay)
    answer = public.get(f"/public/card-status?number={number}&valid_until=2028-01-31").get_json()
    assert set(answer) == {"number", "status"}


@pytest.mark.parametrize(
    "lang, special, expired",
    [
        ("vi", "Thẻ lưu trú này đã quá ngày hết hạn hiệu lực.", "Thẻ lưu trú này đã hết thời hạn hiệu lực."),
        ("ne", "धारकलाई निवेदन प्राप्त भएको रसिद देखाउन भन्नुहोस्।", "यो निवास कार्डको मान्य अवधि सकिएको छ।"),
        ("ja", "（特例期間：満了日から最長2か月）", "この在留カードは有効期間が満了しています。"),
    ],
)
def test_the_page_says_what_the_special_period_means_in_the_visitors_language(
    app, runtime, mailroom, lang, special, expired
):
    # A change granted for 6 months on the issue day, 7 Dec 2026: the period runs to 7 Jun 2027
    payload = {**decision_payload(procedure="change"), "period_of_stay": "P6M", "granted_status": "student"}
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))
    assert _valid_until(runtime, number) == date(2027, 6, 7)
    page = app.test_client()
    _at(runtime, date(2027, 6, 8))
    text = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=2027-06-07").get_data(as_text=True)
    assert special in text and "result-special_period" in text
    # the answer in one bold line, what it means below it in plain text (a block of bold on a phone was unreadable)
    assert text.count('<span class="result-detail">') == 1
    _at(runtime, date(2027, 8, 8))
    text = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=2027-06-07").get_data(as_text=True)
    assert expired in text and "result-expired" in text and special not in text


def test_a_highly_skilled_professional_ii_card_runs_seven_years_and_an_uncoded_decision_stays_valid(
    app, runtime, mailroom
):
    payload = {**decision_payload(procedure="change"), "granted_status": "hsp_2", "period_of_stay": "indefinite"}
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))
    assert _valid_until(runtime, number) == date(2033, 12, 6)
    public = app.test_client()
    _at(runtime, date(2033, 12, 7))
    assert lookup(public, number) == "expired"  # no special period for a seven-year card

    older = {**decision_payload("app-2"), "granted_status": "技術・人文知識・国際業務", "period_of_stay": "3年"}
    older_number = _issued(runtime, mailroom, older, date(2026, 12, 7), version=2)  # v2: the text of old
    assert _valid_until(runtime, older_number) is None
    _at(runtime, date(2040, 1, 1))
    assert lookup(public, older_number) == "valid"  # not guessed from text: valid until replaced, as before


def test_a_childs_card_ends_on_the_eve_of_16_and_the_birth_date_is_not_kept_once_it_is_issued(app, runtime, mailroom):
    # application.decided v5 carries the holder's date of birth: a Dependent born 1 Jun 2012, extended by 5 years
    # from 31 Jan 2027, is under 16 on the issue day: the card ends on 31 May 2028, not with the stay (2032)
    payload = decision_payload()
    payload = {
        **payload,
        "granted_status": "dependent",
        "period_of_stay": "P5Y",
        "period_of_stay_expiry": "2027-01-31",
        "delivery": {**payload["delivery"], "date_of_birth": "2012-06-01"},
    }
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))
    assert _valid_until(runtime, number) == date(2028, 5, 31)
    public = app.test_client()
    _at(runtime, date(2028, 6, 1))
    assert lookup(public, number) == "expired"  # a birthday card has no special period (art. 19-5(2))
    assert only_case(runtime).holder_birth_date is None


def test_the_mailroom_shows_the_validity_the_card_will_carry_before_and_after_the_issue(app, runtime, mailroom):
    """What the printed card says (在留カードの有効期限): the officer sees it before confirming the issue and on the case."""
    payload = {**decision_payload(), "period_of_stay": "P1Y", "period_of_stay_expiry": "2027-01-31"}
    _at(runtime, date(2026, 12, 7))
    deliver_decision(runtime, payload)
    url = f"/mailroom/cases/{only_case(runtime).delivery_id}"
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 302
    page = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    summary = page[page.index('class="facts confirm-summary"') :]
    assert "在留カードの有効期限（本日交付の場合）" in summary and "2028-01-31" in summary
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
    page = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<dd class="card-valid-until">2028-01-31</dd>' in page and "confirm-summary" not in page


def test_an_old_card_named_in_an_approval_runs_to_the_old_expiry_until_the_new_card_replaces_it(app, runtime, mailroom):
    """Found 2026-12-07 (session 20): an old card named in a decision read "valid" for ever until replaced, so a
    holder who never collected their new card showed a valid card years after their stay ended. The old card runs
    to the old period's expiry and through the special period at most (art. 19-5(1)(iii), (2))."""
    payload = {**decision_payload(), "period_of_stay": "P1Y", "period_of_stay_expiry": "2027-01-31"}
    old = payload["delivery"]["old_card_number"]
    _at(runtime, date(2026, 12, 7))
    deliver_decision(runtime, payload)
    public = app.test_client()
    said = _said_on(runtime, public, old, (date(2027, 1, 31), date(2027, 2, 1), date(2027, 3, 31), date(2027, 4, 1)))
    assert said == {
        date(2027, 1, 31): "valid",
        date(2027, 2, 1): "special_period",  # filed by the expiry (there is a decision), not yet replaced
        date(2027, 3, 31): "special_period",
        date(2027, 4, 1): "expired",
    }
    # collected before the expiry: the new card replaces it, whatever its own dates said
    _at(runtime, date(2027, 1, 20))
    url = f"/mailroom/cases/{only_case(runtime).delivery_id}"
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": old}).status_code == 302
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
    assert lookup(public, old) == "invalid"


def test_an_old_card_whose_expiry_the_decision_does_not_give_stays_valid_until_replaced(app, runtime):
    # an indefinite period (HSP (ii)): the old card's seven years ran from an issue day nobody told this service
    payload = {**decision_payload(procedure="change"), "granted_status": "student", "period_of_stay": "P1Y"}
    payload.pop("period_of_stay_expiry", None)
    _at(runtime, date(2026, 12, 7))
    deliver_decision(runtime, payload)
    _at(runtime, date(2040, 1, 1))
    assert lookup(app.test_client(), payload["delivery"]["old_card_number"]) == "valid"


def test_the_check_asks_for_the_date_on_the_cards_front_and_a_wrong_one_tells_nothing(app, runtime, mailroom):
    """Found 2026-12-07 (session 20), done in session 21: the check answered on a number alone, so anyone with a
    number, copied or guessed, learnt whether its holder's card had been replaced or had expired. ISA's own lookup
    asks for the number and the validity date printed beside it; so does this one."""
    payload = {**decision_payload(), "period_of_stay": "P1Y", "period_of_stay_expiry": "2027-01-31"}
    old = payload["delivery"]["old_card_number"]
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))  # the old card is now replaced: invalid
    public = app.test_client()
    assert lookup(public, number, "2028-01-31") == "valid" and lookup(public, old, "2027-01-31") == "invalid"
    # a wrong date is answered as a number never issued: the same word, nothing more
    never = lookup(public, "ZZ00000000ZZ", "2028-01-31")
    assert never == "unknown"
    assert lookup(public, number, "2028-01-30") == never and lookup(public, old, "2028-01-31") == never
    # a date is required, in a form a person or a date field gives
    for missing in ("", "&valid_until=", "&valid_until=31/01/2028", "&valid_until=2028-02-30"):
        response = public.get(f"/public/card-status?number={number}{missing}")
        assert response.status_code == 400 and response.get_json()["error"] == "malformed_validity_date"
    # as typed from the card ("このカードは 2028年01月31日まで有効です"), full-width digits too
    assert lookup(public, number, "２０２８年１月３１日") == "valid"


@pytest.mark.parametrize(
    "lang, missing_date, no_match",
    [
        ("vi", "Nhập ngày thẻ có hiệu lực đến", "Không có thẻ nào khớp với số thẻ và ngày hiệu lực này."),
        ("ne", "कार्ड मान्य रहने मिति हाल्नुहोस्", "यो नम्बर र मान्य मिति भएको कुनै कार्ड भेटिएन।"),
        (
            "ja",
            "有効期間の満了日を入力してください",
            "この番号と有効期間の組み合わせに該当する在留カードはありません。",
        ),
    ],
)
def test_the_page_asks_for_the_date_and_says_no_match_in_the_visitors_language(
    app, runtime, mailroom, lang, missing_date, no_match
):
    payload = {**decision_payload(procedure="change"), "period_of_stay": "P6M", "granted_status": "student"}
    number = _issued(runtime, mailroom, payload, date(2026, 12, 7))
    page = app.test_client()
    blank = page.get(f"/public/card-check?lang={lang}")
    form = blank.get_data(as_text=True)
    # a text field with the printed forms as its hint: a date field's "mm/dd/yyyy" followed the device's locale
    assert blank.status_code == 200 and 'name="valid_until"' in form and 'type="date"' not in form
    assert 'aria-describedby="valid_until-hint"' in form and '<span class="nowrap">2031年05月20日</span>' in form
    response = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and missing_date in text and 'aria-invalid="true"' in text
    assert f'value="{number}"' in text  # what was typed stays
    assert '<span class="nowrap">2031-05-20</span>' in text  # the example date was split over two lines at 375 px
    text = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=2027-06-08").get_data(as_text=True)
    assert no_match in text and "result-unknown" in text
    text = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=2027-06-07").get_data(as_text=True)
    assert "result-valid" in text
    typed = page.get(f"/public/card-check?lang={lang}&number={number}&valid_until=２０２７年０６月０７日")  # as printed
    assert "result-valid" in typed.get_data(as_text=True)
