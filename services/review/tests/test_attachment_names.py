"""Issue 18: the officer's case page names each file as the applicant named it, beside its kind in Japanese.
The name is personal data ('passport_nguyen.pdf'): stored encrypted, apart from the hashes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from case_page_support import act, make_examiner, page_of, section
from review_testkit import intake_event, verified_event

from review.adapters.tables import cases, document_requests
from review.application import casework, inbound


def test_the_case_page_names_the_files_and_keeps_the_names_encrypted(rt):
    examiner = make_examiner(rt)
    event = verified_event()  # the testkit's passport scan: kind "passport", named "passport.pdf"
    event.payload["submission"]["attachments"][0]["filename"] = "旅券_NGUYEN.pdf"
    event.payload["submission"]["attachments"].append(
        {"sha256": "b" * 64, "media_type": "image/jpeg", "size": 9, "kind": "residence_card"}  # an older event: no name
    )
    act(rt, inbound.receive, event)
    app_id = event.payload["application_id"]
    ex = examiner["officer"]
    act(rt, casework.claim, ex, app_id, ip="10.0.0.5")
    request_id = act(
        rt,
        casework.request_documents,
        ex,
        app_id,
        [{"code": "tax_certificate", "description": "住民税の課税証明書"}],
        "",
        date.today() + timedelta(days=14),
    )
    answer = {
        "application_id": app_id,
        "applicant_id": event.payload["applicant_id"],
        "request_id": request_id,
        "message": "",
        "attachments": [
            {
                "sha256": "c" * 64,
                "media_type": "application/pdf",
                "size": 10,
                "kind": "tax_certificate",
                "filename": "課税証明書_NGUYEN.pdf",
            }
        ],
        "submitted_at": "2026-01-10T10:00:00+09:00",
    }
    act(rt, inbound.documents_submitted, intake_event("application.documents_submitted", answer, app_id))

    page = page_of(rt, examiner, app_id)
    attachments = section(page, "att")
    assert "旅券_NGUYEN.pdf</a> · 旅券" in attachments  # the name, then the kind in Japanese
    assert ">在留カード</a>" in attachments  # no name: the kind stands for it, by its Japanese name
    assert "課税証明書_NGUYEN.pdf</a> · 住民税の課税（又は非課税）証明書 (" in attachments  # the answer's file
    for code in ("· passport", ">residence_card<", "· tax_certificate"):
        assert code not in attachments

    with rt.engine.connect() as conn:
        plain = conn.execute(sa.select(cases.c.attachments).where(cases.c.application_id == app_id)).scalar()
        raw = conn.execute(
            sa.text("SELECT attachment_names FROM cases WHERE application_id = :a"), {"a": app_id}
        ).scalar()
        answered = conn.execute(
            sa.select(document_requests.c.answer_attachments).where(document_requests.c.request_id == request_id)
        ).scalar()
        raw_answer = conn.execute(
            sa.text("SELECT answer_attachment_names FROM document_requests WHERE request_id = :r"), {"r": request_id}
        ).scalar()
    assert "filename" not in plain and "NGUYEN" not in plain and json.loads(plain)[0]["kind"] == "passport"
    assert "filename" not in answered and "NGUYEN" not in answered
    for stored in (raw, raw_answer):
        assert stored and b"NGUYEN" not in bytes(stored) and "NGUYEN".encode("utf-16-le") not in bytes(stored)
