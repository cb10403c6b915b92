"""A timeline step's details in the data export, named in the reader's language (seen in the Vietnamese PDF,
2026-12-07: a returned document's step printed "document: coe", "reason code: addressee_not_found", and the
post office's words under "Reason for the application")."""

from __future__ import annotations

import pytest

RETURNED = {
    "kind": "timeline",
    "at": "2026-12-07T01:00:00+00:00",
    "data": {
        "application_id": "a-1",
        "step": "document_returned",
        "detail": {"document": "coe", "reason": "あて所に尋ねあたりません", "reason_code": "addressee_not_found"},
    },
}


@pytest.mark.parametrize(
    "lang, document, why, reason_label",
    [
        ("vi", "Giấy chứng nhận tư cách lưu trú (COE)", "Không tìm thấy người nhận tại địa chỉ này.", "Lý do"),
        ("ne", None, None, "कारण"),
        ("en", "Certificate of Eligibility", "The addressee could not be found at this address.", "Reason"),
    ],
)
def test_a_returned_documents_step_names_the_document_and_the_reason(app, lang, document, why, reason_label):
    from intake.entrypoints import data_export

    with app.test_request_context(f"/?lang={lang}"):
        [section] = data_export.sections({"services": {"intake": [RETURNED]}})
        rows = {row.label: row.value for row in section.rows}
    details = {label.split(" · ", 1)[1]: value for label, value in rows.items() if " · " in label}
    assert "coe" not in details.values() and "addressee_not_found" not in details.values()
    assert details[reason_label] == "あて所に尋ねあたりません"  # the slip's words, as recorded
    if document:
        assert document in details.values() and why in details.values()
    assert len(details) == 3 and "document" not in details and "reason code" not in details


def test_japanese_names_the_paper_document_and_a_notices_state_not_the_application_or_a_column(app):
    """In Japanese the document posted is 在留資格認定証明書, not its application (…交付申請, the procedure's name
    with the same English words), and a sent notice's state reads 送信済み, not 送信日時 (the sent_at heading)."""
    from intake.entrypoints import data_export

    notice = {"kind": "notice", "at": "2026-12-07T01:00:00+00:00", "data": {"channel": "email", "state": "sent"}}
    with app.test_request_context("/?lang=ja"):
        [steps, notices] = data_export.sections({"services": {"intake": [RETURNED], "notify": [notice]}})
        values = [row.value for row in steps.rows] + [row.value for row in notices.rows]
    assert "在留資格認定証明書" in values and not any("交付申請" in str(v) for v in values)
    assert "送信済み" in values and "送信日時" not in values


@pytest.mark.parametrize("lang, office_label", [("vi", "Văn phòng"), ("ja", "官署")])
def test_a_received_or_handed_over_steps_office_is_named_not_coded(app, lang, office_label):
    """Seen in the Vietnamese export PDF (session 23): a hand-over's step printed "Văn phòng: himeji_port"."""
    from intake.entrypoints import data_export

    handed = {
        "kind": "timeline",
        "at": "2026-12-07T02:00:00+00:00",
        "data": {"application_id": "a-1", "step": "transferred", "detail": {"office": "himeji_port"}},
    }
    with app.test_request_context(f"/?lang={lang}"):
        [section] = data_export.sections({"services": {"intake": [handed]}})
        rows = {row.label: row.value for row in section.rows}
    office = next(value for label, value in rows.items() if label.endswith(office_label))
    assert office == "神戸支局姫路港出張所 (Himeji Port Branch Office)"
