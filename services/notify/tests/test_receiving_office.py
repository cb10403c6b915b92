"""The receipt mail names the office that received the application: for Kanagawa, Hyogo and Okinawa a district
office (横オン, 神オン, 那オン; residence-procedures.md, "Who decides"), not the regional bureau above it."""

from __future__ import annotations

import pytest
import samples

from notify.adapters.catalogue import Catalogue
from notify.domain.notices import ApplicationInfo, district_receiving_office, plan
from zairyu_shared.events.contracts import LANGUAGES
from zairyu_shared.events.vocabulary import RECEIVING_OFFICES

CAT = Catalogue()


def receipt_mail(receipt, bureau, lang):
    event = samples.received(receipt=receipt)
    data = {**event.data, "bureau": bureau}
    info = ApplicationInfo(samples.APPLICATION, samples.APPLICANT, bureau, "extension", samples.PROVISIONAL, None)
    [p] = plan(event.type, data, info)
    return CAT.render(p.notice_type, lang, p.context, name=samples.NAME, portal_url="https://zairyu.example.jp").text


def test_only_a_district_office_is_named_apart_from_its_bureau():
    assert district_receiving_office("横オン-2026-000001", "tokyo") == "yokohama"
    assert district_receiving_office("神オン-2026-000001", "osaka") == "kobe"
    assert district_receiving_office("那オン-2026-000001", "fukuoka") == "naha"
    assert district_receiving_office("東オン-2026-000001", "tokyo") is None
    assert district_receiving_office("TKY-2026-000001", "tokyo") is None  # a number without a known prefix


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("office", ["yokohama", "kobe", "naha"])
def test_the_receipt_mail_names_the_district_office_that_received_it(office, lang):
    prefix, bureau, _ja = RECEIVING_OFFICES[office]
    district = receipt_mail(f"{prefix}-2026-000001", bureau, lang)
    regional = receipt_mail(f"{RECEIVING_OFFICES[bureau][0]}-2026-000001", bureau, lang)
    office_name = CAT.message(lang, f"receiving_offices.{office}")
    assert office_name in district and office_name not in regional
    assert CAT.message(lang, f"bureaus.{bureau}") in regional


def test_the_japanese_receipt_mail_names_yokohama():
    assert "東京出入国在留管理局横浜支局" in receipt_mail("横オン-2026-000001", "tokyo", "ja")
