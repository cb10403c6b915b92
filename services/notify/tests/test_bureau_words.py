"""The bureau's words reach the applicant in their language (issue 18): requested documents by coded kind,
the granted status and period of stay by code; the officer's free note arrives as written, marked as Japanese.
Through notify's consumer and a real SMTP server (aiosmtpd), and the inbox copy (notice.created)."""

from __future__ import annotations

import os
from pathlib import Path

import samples
from notify_testkit import deliver, parts

from notify.application.sending import Sender
from zairyu_shared.events import new_event
from zairyu_shared.testing import staged_events

NOTE = "令和7年度のものを提出してください。"


def requested(kinds, message=NOTE, version=None):
    return new_event(
        "application.documents_requested",
        {
            "application_id": samples.APPLICATION,
            "applicant_id": samples.APPLICANT,
            "request_id": "req-vi",
            "items": [{"code": k, "description": d} for k, d in kinds],
            "message": message,
            "deadline": samples.DEADLINE.isoformat(),
        },
        source="review",
        correlation_id=samples.APPLICATION,
        version=version,
    )


def send_all(rt):
    sender = Sender(rt)
    for _ in range(50):
        if sender.send_due() == 0:
            return


def test_a_vietnamese_applicant_reads_the_request_for_documents_in_vietnamese(rt, smtp):
    deliver(
        rt,
        samples.registered(language="vi"),
        samples.received(),
        requested([("tax_certificate", "住民税の課税（又は非課税）証明書"), ("residence_certificate", "住民票")]),
    )
    send_all(rt)
    mail = next(m for m in smtp.inbox.messages if "Yêu cầu bổ sung" in m["Subject"])
    assert mail["Content-Language"] == "vi"
    text, html = parts(mail)
    inbox = next(
        e["payload"]
        for e in staged_events(rt, "notice.created")
        if e["payload"]["notice_type"] == "documents_requested"
    )
    assert inbox["language"] == "vi"
    for body in (text, html, inbox["body_text"]):
        assert "Giấy chứng nhận thuế cư trú (課税証明書)" in body and "Phiếu cư trú (住民票)" in body
        assert "住民税の課税（又は非課税）証明書" not in body  # the Japanese name is the officer's, not the reader's
        # The note is the officer's Japanese, as written, and says so in the reader's language.
        assert "Ghi chú của Cục, viết bằng tiếng Nhật (原文（日本語）):" in body and NOTE in body
    if os.environ.get("ZAIRYU_KEEP_MAIL"):  # for a person to read: the .eml as the applicant receives it
        Path(os.environ["ZAIRYU_KEEP_MAIL"]).write_bytes(bytes(mail))


def test_the_granted_status_and_period_arrive_in_the_applicants_language(rt, smtp):
    deliver(rt, samples.registered(language="vi"), samples.received(), samples.decided())
    send_all(rt)
    text, _html = parts(smtp.inbox.messages[-1])
    assert "Tư cách lưu trú: Kỹ thuật・Tri thức nhân văn・Nghiệp vụ quốc tế" in text
    assert "Thời gian lưu trú: 3 năm" in text and "P3Y" not in text and "engineer_humanities" not in text


def test_an_older_request_with_free_text_items_still_arrives_as_written(rt, smtp):
    deliver(
        rt,
        samples.registered(language="vi"),
        samples.received(),
        requested([("tax", "課税証明書（令和7年度）")], message="", version=1),
    )
    send_all(rt)
    text, _html = parts(smtp.inbox.messages[-1])
    assert "- 課税証明書（令和7年度）" in text and "原文" not in text
