"""The special period (Immigration Control Act art. 20(6)/21(4)): exact days, month ends, which procedures."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date, format_skeleton

from intake.domain import special_period as sp
from zairyu_shared.stay_periods import special_period_end


@pytest.mark.parametrize(
    "expiry,last",
    [
        (date(2026, 12, 31), date(2027, 2, 28)),  # Dec 31 -> end of February
        (date(2027, 12, 31), date(2028, 2, 29)),  # ... in a leap year
        (date(2026, 12, 30), date(2027, 2, 28)),  # no 31 Feb / 30 Feb: the month's last day
        (date(2027, 12, 29), date(2028, 2, 29)),
        (date(2027, 1, 31), date(2027, 3, 31)),
        (date(2026, 11, 30), date(2027, 1, 31)),  # not 30 Jan: counting starts on 1 Dec
        (date(2027, 1, 15), date(2027, 3, 15)),
        (date(2027, 4, 30), date(2027, 6, 30)),
        (date(2027, 6, 30), date(2027, 8, 31)),
        (date(2027, 2, 28), date(2027, 4, 30)),  # counting starts on 1 Mar: two whole months
    ],
)
def test_two_months_from_the_expiry(expiry, last):
    assert special_period_end(expiry) == last


@pytest.mark.parametrize("procedure", ["extension", "change"])
def test_an_extension_or_change_filed_by_the_expiry_day_has_it(procedure):
    assert sp.latest_day(procedure, date(2026, 12, 30), date(2026, 12, 31)) == date(2027, 2, 28)
    assert sp.latest_day(procedure, date(2026, 12, 31), date(2026, 12, 31)) == date(2027, 2, 28)
    assert sp.latest_day(procedure, date(2027, 1, 1), date(2026, 12, 31)) is None  # filed after the expiry


@pytest.mark.parametrize("procedure", ["coe", "acquisition", "employment_certificate"])
def test_other_procedures_have_none(procedure):
    assert sp.latest_day(procedure, date(2026, 12, 1), date(2026, 12, 31)) is None


def test_the_decision_ends_it_when_it_comes_first():
    assert sp.ends_on("extension", date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 20)) == date(2027, 1, 20)
    assert sp.ends_on("extension", date(2026, 12, 1), date(2026, 12, 31), date(2027, 3, 5)) == date(2027, 2, 28)
    assert sp.ends_on("extension", date(2026, 12, 1), None, None) is None  # no period of stay (permanent resident)


# --- what the account and the public check say ---------------------------------------------------
import calendar  # noqa: E402
from datetime import timedelta  # noqa: E402

from following_scenario import application_row, card, emit, received, verified  # noqa: E402
from intake_testkit import outbox_events  # noqa: E402
from journey import fill_draft, register, submit, worker_fields  # noqa: E402

from intake.application import following  # noqa: E402
from intake.application.common import today_jst  # noqa: E402
from zairyu_shared.testing import wait_until  # noqa: E402


def _month_end(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _file(client, rt, procedure, expiry, receipt):
    applicant_id = register(client, rt)
    draft_id = fill_draft(
        client,
        procedure=procedure,
        bundled=(),
        fields={**worker_fields(expiry), "desired_status": "skilled_labor", "desired_period": "1 year"},
    )
    _, answer = submit(client, draft_id)
    rt.start_background()
    app_id = answer.json["application_id"]
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id, receipt=receipt, procedure=procedure)
    wait_until(lambda: application_row(rt, app_id).receipt_number == receipt, message="receipt")
    return applicant_id, app_id


def _receipt_text(client, app_id):
    import io

    from pypdf import PdfReader

    data = client.get(f"/applications/{app_id}/receipt.pdf").data
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")


def _public(client, rt, number):
    token = following.receipt_token(rt.settings.hashing_key, number)
    return client.application.test_client().get(f"/verify?n={number}&t={token}").data.decode()


@pytest.mark.parametrize("procedure", ["extension", "change"])
def test_an_extension_or_change_says_until_which_day_then_stays_pending_until_the_card(client, rt, procedure):
    today = today_jst()
    expiry = _month_end(today.year, today.month + 1)  # a month end inside the filing window
    until = _month_end(expiry.year, expiry.month + 2)  # month end -> the month end two months on
    applicant_id, app_id = _file(client, rt, procedure, expiry, "TKY-2026-000901")
    # the day as the language writes it (Babel), never an ISO date (en: "Mar 31, 2027")
    written = format_date(until, locale="en")
    sentence = f"until the decision or {written}, whichever comes first"
    assert sentence in client.get(f"/applications/{app_id}").data.decode()
    assert f"Until the decision or {written}" in _receipt_text(client, app_id)
    assert sentence in _public(client, rt, "TKY-2026-000901")
    emit(
        rt,
        "application.decided",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "outcome": "approved",
            "procedure": procedure,
            "bureau": "tokyo",
            "fee_yen": 5500,
            "card_by_mail": True,
            "delivery_method": "post",
            "decided_at": (today + timedelta(days=1)).isoformat() + "T01:00:00+00:00",
        },
        app_id,
    )
    wait_until(lambda: application_row(rt, app_id).status == "approved", message="approved")
    public = _public(client, rt, "TKY-2026-000901")
    assert "is pending since" in public and "has not been issued yet" in public  # pending until the new card
    assert sentence not in public and sentence not in client.get(f"/applications/{app_id}").data.decode()
    card(rt, "card.issued", app_id, applicant_id, card_number="XY98765432ZW")
    wait_until(lambda: application_row(rt, app_id).status == "card_issued", message="card issued")
    assert "no longer pending" in _public(client, rt, "TKY-2026-000901")


def test_an_employment_certificate_says_nothing_of_it_and_ends_pending_at_the_decision(client, rt):
    today = today_jst()
    applicant_id, app_id = _file(
        client, rt, "employment_certificate", _month_end(today.year, today.month + 1), "TKY-2026-000902"
    )
    assert "special period" not in client.get(f"/applications/{app_id}").data.decode()
    assert "Special period" not in _receipt_text(client, app_id) and "Until the decision" not in _receipt_text(
        client, app_id
    )
    public = _public(client, rt, "TKY-2026-000902")
    assert "is pending since" in public and "special period" not in public
    emit(
        rt,
        "application.decided",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "outcome": "approved",
            "procedure": "employment_certificate",
            "bureau": "tokyo",
            "fee_yen": 1600,
            "card_by_mail": True,
            "delivery_method": "pdf",
            "decided_at": today.isoformat() + "T01:00:00+00:00",
        },
        app_id,
    )
    wait_until(lambda: application_row(rt, app_id).status == "approved", message="approved")
    assert "no longer pending" in _public(client, rt, "TKY-2026-000902")


def test_the_japanese_page_says_it_in_japanese(client, rt):
    today = today_jst()
    expiry = _month_end(today.year, today.month + 1)
    _, app_id = _file(client, rt, "extension", expiry, "TKY-2026-000903")
    page = client.get(f"/applications/{app_id}?lang=ja").data.decode()
    written = format_skeleton("yMMMd", _month_end(expiry.year, expiry.month + 2), locale="ja")  # e.g. 2027年3月31日
    assert f"処分の日または{written}のいずれか早い日まで" in page
