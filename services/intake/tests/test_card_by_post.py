"""After an approval whose new card comes by post: the checklist, the bureau's address, the postage, the
printable label; the e-receipt leaves the first page once the new card is issued."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from following_scenario import application_row, card, emit, received, verified
from intake_testkit import outbox_events
from journey import fill_draft, register, submit, worker_fields

from intake.domain import card_by_post
from zairyu_shared.events.contracts import BUREAUS
from zairyu_shared.testing import wait_until


def test_every_bureau_has_a_postal_address():
    assert set(card_by_post.BUREAUS) == set(BUREAUS)
    for address in card_by_post.BUREAUS.values():
        assert re.fullmatch(r"\d{3}-\d{4}", address.postal_code) and address.name.endswith("出入国在留管理局")
    assert card_by_post.BUREAUS["tokyo"].lines == ("〒108-8255", "東京都港区港南5-5-30", "東京出入国在留管理局 御中")


def test_the_card_goes_to_the_office_that_received_the_application():
    # Corrected (2026-12-07): Kanagawa's, Hyogo's and Okinawa's online applications are received by the Yokohama,
    # Kobe and Naha district offices (横オン, 神オン, 那オン), but the old card was sent to the regional bureau.
    from zairyu_shared.events.vocabulary import RECEIVING_OFFICES

    assert card_by_post.receiving_address("tokyo", "横オン-2026-000001").postal_code == "236-0002"
    assert card_by_post.receiving_address("osaka", "神オン-2026-000001").name == "大阪出入国在留管理局神戸支局"
    assert card_by_post.receiving_address("fukuoka", "那オン-2026-000001").postal_code == "900-0022"
    assert card_by_post.receiving_address("tokyo", "東オン-2026-000001") == card_by_post.BUREAUS["tokyo"]
    assert card_by_post.receiving_address("tokyo", None) == card_by_post.BUREAUS["tokyo"]
    for key, (prefix, bureau, _ja) in RECEIVING_OFFICES.items():  # every receiving office has an address
        address = card_by_post.receiving_address(bureau, f"{prefix}-2026-000001")
        assert address is not None and (key in card_by_post.DISTRICT_OFFICES) is (
            address != card_by_post.BUREAUS[bureau]
        )


def test_a_kanagawa_applicants_label_names_the_yokohama_office(client, rt):
    _applicant_id, app_id = _approved_extension(client, rt, receipt="横オン-2026-000777")
    section = client.get(f"/applications/{app_id}").data.decode().split('<section id="by-post">', 1)[1]
    assert "〒236-0002" in section and "東京出入国在留管理局横浜支局 御中" in section and "108-8255" not in section
    label = client.get(f"/applications/{app_id}/mail-label").data.decode()
    assert "〒236-0002" in label and "横浜支局" in label


def test_the_checklist_and_the_postage():
    assert card_by_post.RETURN_POSTAGE_YEN == 460  # letter ¥110 + simple registered ¥350 (from 2024-10-01)
    assert card_by_post.checklist(5500, paid_online=False) == ["current_card", "fee_slip", "return_envelope"]
    assert card_by_post.checklist(5500, paid_online=True) == ["current_card", "fee_paid_online", "return_envelope"]
    assert card_by_post.checklist(0, paid_online=False) == ["current_card", "return_envelope"]
    assert card_by_post.checklist(1600, paid_online=False, card=False) == ["fee_slip", "return_envelope"]


@pytest.mark.parametrize(
    "deliverable,method,status,envelope,shown",
    [
        ("residence_card", "post", "approved", False, True),
        ("residence_card", "post", "approved", True, False),
        ("residence_card", "counter", "approved", False, False),
        ("residence_card", "post", "under_examination", False, False),
        ("coe", "post", "approved", False, False),
    ],
)
def test_the_checklist_is_due_only_for_a_card_by_post_until_the_envelope_arrives(
    deliverable, method, status, envelope, shown
):
    assert card_by_post.due(deliverable, method, status, envelope) is shown


@pytest.mark.parametrize(
    "method,fee_yen,envelope,shown",
    [("post", 1600, False, True), ("post", 1600, True, False), ("pdf", 1600, False, False), ("post", 0, False, False)],
)
def test_a_paper_certificate_with_a_fee_is_due_an_envelope_too(method, fee_yen, envelope, shown):
    # Its fee is collected by the same envelope: card-delivery posts it only once the fee slip came (a free
    # document is posted at once there, so none is asked for here).
    assert card_by_post.due("employment_certificate", method, "approved", envelope, fee_yen) is shown


def _approved_extension(
    client, rt, procedure="extension", extra=None, method="post", receipt="TKY-2026-000777", fee_yen=5500
):
    applicant_id = register(client, rt)
    draft_id = fill_draft(client, procedure=procedure, bundled=(), fields={**worker_fields(), **(extra or {})})
    _, answer = submit(client, draft_id)
    rt.start_background()
    app_id = answer.json["application_id"]
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id, receipt=receipt, procedure=procedure)
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
            "fee_yen": fee_yen,
            "card_by_mail": method == "post",
            "delivery_method": method,
            "decided_at": datetime.now(UTC).isoformat(),
        },
        app_id,
    )
    wait_until(lambda: application_row(rt, app_id).status == "approved", message="approved")
    return applicant_id, app_id


def test_the_account_shows_what_to_send_where_and_a_label_then_tidies_up(client, rt):
    applicant_id, app_id = _approved_extension(client, rt)
    page = client.get(f"/applications/{app_id}").data.decode()
    section = page.split('<section id="by-post">', 1)[1].split("</section>", 1)[0]
    for text in (
        "Your current residence card",
        "The fee slip with revenue stamps for ¥5,500",
        "¥460",
        "〒108-8255",
        "東京都港区港南5-5-30",
        "東京出入国在留管理局 御中",
        f"/applications/{app_id}/mail-label",
    ):
        assert text in section, text
    label = client.get(f"/applications/{app_id}/mail-label")
    assert label.status_code == 200
    body = label.data.decode()
    assert "〒108-8255" in body and "TKY-2026-000777" in body and "NGUYEN" in body
    assert "E-receipt: proof of a pending application" in page
    ja = client.get(f"/applications/{app_id}?lang=ja").data.decode()
    assert "現在の在留カード" in ja and "簡易書留" in ja
    card(rt, "card.envelope_received", app_id, applicant_id)
    wait_until(
        lambda: '<section id="by-post">' not in client.get(f"/applications/{app_id}").data.decode(),
        message="checklist gone once the envelope arrived",
    )
    card(rt, "card.issued", app_id, applicant_id, card_number="XY98765432ZW")
    wait_until(lambda: application_row(rt, app_id).status == "card_issued", message="card issued")
    assert "E-receipt: proof of a pending application" not in client.get(f"/applications/{app_id}").data.decode()


def test_another_applicant_cannot_print_my_label(client, rt):
    _, app_id = _approved_extension(client, rt)
    other = client.application.test_client()
    assert other.get(f"/applications/{app_id}/mail-label").status_code in (302, 401, 404)


def test_the_counter_gets_no_postal_checklist(client, rt):
    _, app_id = _approved_extension(client, rt, extra={"card_receipt": "counter"}, method="counter")
    page = client.get(f"/applications/{app_id}").data.decode()
    assert '<section id="by-post">' not in page and "at the bureau counter" in page


def test_a_paper_employment_certificate_asks_for_the_fee_slip_and_a_return_envelope_but_no_card(client, rt):
    """The certificate on paper was posted with its fee never collected, and the page said nothing of the fee
    slip: it now shows what to send (the stamped slip and the return envelope; no card), where, and a label."""
    applicant_id, app_id = _approved_extension(
        client, rt, procedure="employment_certificate", extra={"certificate_delivery": "paper"}, fee_yen=1600
    )
    page = client.get(f"/applications/{app_id}").data.decode()
    section = page.split('<section id="by-post">', 1)[1].split("</section>", 1)[0]
    assert "Receiving your certificate by post" in section and "card" not in section.lower()
    for text in (
        "The fee slip with revenue stamps for ¥1,600",
        "¥460",
        "〒108-8255",
        f"/applications/{app_id}/mail-label",
    ):
        assert text in section, text
    fee_section = page.split('id="fee"', 1)[1].split("</section>", 1)[0] if 'id="fee"' in page else ""
    assert "old card" not in fee_section
    label = client.get(f"/applications/{app_id}/mail-label").data.decode()
    assert (
        '就労資格証明書郵送受領 / <span class="nobreak">TKY-2026-000777</span>' in label and "在留カード" not in label
    )
    vi = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "Nhận giấy chứng nhận qua bưu điện" in vi and "Thẻ lưu trú hiện tại của bạn" not in vi
    card(rt, "card.envelope_received", app_id, applicant_id)
    wait_until(
        lambda: '<section id="by-post">' not in client.get(f"/applications/{app_id}").data.decode(),
        message="checklist gone once the envelope arrived",
    )


def test_a_returned_cards_reason_reads_in_the_applicants_language_on_the_application_page(client, rt):
    """card.returned v2: the post office's reason by its code, shown in the reader's language beside the entry
    (the timeline said only that the card came back; the mail already gave the reason)."""
    applicant_id, app_id = _approved_extension(client, rt)
    card(
        rt, "card.returned", app_id, applicant_id, reason="あて所に尋ねあたりません", reason_code="addressee_not_found"
    )
    wait_until(
        lambda: "card_returned" in {e["kind"] for e in _entries(rt, app_id)}, message="the return on the timeline"
    )
    vi = client.get(f"/applications/{app_id}", headers={"Accept-Language": "vi"}).data.decode()
    assert "Không tìm thấy người nhận tại địa chỉ này." in vi and "尋ね" not in vi
    ja = client.get(f"/applications/{app_id}", headers={"Accept-Language": "ja"}).data.decode()
    assert "あて所に尋ねあたりません" in ja


def _entries(rt, app_id):
    import sqlalchemy as sa

    from intake.adapters.tables import timeline_entries

    with rt.engine.connect() as c:
        rows = c.execute(sa.select(timeline_entries.c.kind).where(timeline_entries.c.application_id == app_id))
        return [{"kind": k} for k in rows.scalars()]
