"""After submission, through the real consumer (memory transport): timeline, inbox, receipt, answers."""

from __future__ import annotations

import io
from datetime import UTC

import pytest
from following_scenario import (
    application_row,
    card,
    decided,
    documents_requested,
    examination,
    notice,
    received,
    transferred,
    verified,
)
from hostile_files import encrypted_pdf, pdf
from intake_testkit import outbox_events
from journey import code_from, fill_draft, register, sign_code, submit

from zairyu_shared.testing import wait_until


@pytest.fixture
def submitted(client, rt):
    applicant_id = register(client, rt)
    draft_id = fill_draft(client)
    _, answer = submit(client, draft_id)
    rt.start_background()
    return applicant_id, answer.json["application_id"], answer.json["provisional_number"]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def status_of(rt, app_id):
    return application_row(rt, app_id).status


def test_timeline_follows_every_step_to_delivery(client, rt, submitted):
    applicant_id, app_id, provisional = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    wait_until(lambda: status_of(rt, app_id) == "signature_verified", message="signature verified")
    received(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "received", message="received")
    assert application_row(rt, app_id).receipt_number == "TKY-2026-000123"
    examination(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "under_examination", message="examination")
    decided(rt, app_id, applicant_id)
    card(rt, "card.issued", app_id, applicant_id, card_number="XY98765432ZW")
    card(rt, "card.dispatched", app_id, applicant_id, tracking_number="1234-5678-9012")
    card(rt, "card.delivered", app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "card_delivered", message="delivered")
    page = client.get(f"/applications/{app_id}").data.decode()
    for text in [
        "Submitted",
        "Signature verified",
        "Received by the bureau",
        "Under examination",
        "Approved",
        "Card issued",
        "Card dispatched",
        "Card delivered",
        "TKY-2026-000123",
        "1234-5678-9012",
        "技術・人文知識・国際業務",
        "(3 years)",
        "Approved as requested.",
    ]:
        assert text in page, text
    api = client.get(f"/api/v1/applications/{app_id}").json
    assert [e["kind"] for e in api["timeline"]][:3] == ["submitted", "signature_verified", "received"]


def test_a_card_collected_at_the_counter_ends_the_timeline(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id)
    card(rt, "card.collected", app_id, applicant_id, card_number="XY98765432ZW", old_card_number="AB12345678CD")
    wait_until(lambda: status_of(rt, app_id) == "card_collected", message="collected")
    card(rt, "card.returned", app_id, applicant_id)  # a late or stray event never reopens a finished case
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 6, message="timeline")
    assert status_of(rt, app_id) == "card_collected"
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Card collected at the bureau counter" in page
    assert "出入国在留管理局の窓口で在留カードを受領" in client.get(f"/applications/{app_id}?lang=ja").data.decode()


def test_a_paper_document_posted_by_the_mailroom_shows_with_its_tracking_number(client, rt, submitted):
    """Issue 17: card-delivery's document.dispatched (a paper COE or certificate by post) reaches the timeline."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id)
    card(rt, "document.dispatched", app_id, applicant_id, kind="coe", tracking_number="123456789012")
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 5, message="timeline")
    assert status_of(rt, app_id) == "approved"  # an entry, no card status
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Your paper document was posted by simple registered mail" in page and "123456789012" in page
    assert "書面を簡易書留で郵送しました" in client.get(f"/applications/{app_id}?lang=ja").data.decode()


def test_a_paper_document_that_came_back_and_was_then_delivered_shows_why_in_the_applicants_language(
    client, rt, submitted
):
    """Found 2026-12-07: a posted paper COE's return or delivery stayed in the mailroom's history; the applicant (and
    the organisation that filed) never learnt that it came back. Now both reach the timeline, the return with the
    post office's reason in the reader's language (never the slip's Japanese words) and that it is posted again."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id)
    card(rt, "document.dispatched", app_id, applicant_id, kind="coe", tracking_number="123456789012")
    slip = "あて所に尋ねあたりません"
    card(rt, "document.returned", app_id, applicant_id, kind="coe", reason=slip, reason_code="addressee_not_found")
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 6, message="timeline")
    assert status_of(rt, app_id) == "approved"  # entries, no card status
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Your paper document came back undelivered: the bureau will post it again" in page
    assert "The addressee could not be found at this address." in page and slip not in page
    vi = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "Cục sẽ gửi lại" in vi and "Không tìm thấy người nhận tại địa chỉ này." in vi
    card(rt, "document.delivered", app_id, applicant_id, kind="coe")
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 7, message="delivered")
    assert "書面が配達されました" in client.get(f"/applications/{app_id}?lang=ja").data.decode()


def test_an_envelope_short_of_return_postage_tells_the_applicant_what_to_send(client, rt, submitted):
    """Issue 18: card-delivery's card.postage_shortfall reaches the timeline with the amount, in the person's language."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id)
    card(rt, "card.postage_shortfall", app_id, applicant_id, shortfall_yen=1100)
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 5, message="timeline")
    assert status_of(rt, app_id) == "approved"  # held, not refused: an entry, no status
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Your envelope was short of return postage" in page and "Send ¥1,100 in postage stamps" in page
    vi = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "thiếu bưu phí gửi trả" in vi and "¥1,100" in vi
    assert "不足額 ¥1,100 分の郵便切手" in client.get(f"/applications/{app_id}?lang=ja").data.decode()


def _card_posted(rt, app_id, applicant_id):
    """Signed, received and approved; the new card issued and posted."""
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id)
    card(rt, "card.issued", app_id, applicant_id, card_number="XY98765432ZW")
    card(rt, "card.dispatched", app_id, applicant_id, tracking_number="1234-5678-9012")


def test_a_returned_card_kept_at_the_counter_is_announced_then_collected(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    _card_posted(rt, app_id, applicant_id)
    card(rt, "card.returned", app_id, applicant_id, reason="addressee unknown")
    card(rt, "card.held_at_counter", app_id, applicant_id, reason="returned")
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 8, message="timeline")
    # The status says where the card is now: back from the post and kept at the counter, not "dispatched".
    assert status_of(rt, app_id) == "card_held_at_counter"
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "Card returned undelivered" in page and "Your card is waiting for you at the bureau counter" in page
    assert "It came back from the post: come with your passport" in page
    assert "窓口でお預かりしています" in client.get(f"/applications/{app_id}?lang=ja").data.decode()
    # What approval delivers said "by post: send your current card" with the card lying at the counter.
    assert "Now: your new card is kept at the bureau counter" in page and "send nothing by post" in page
    card(rt, "card.collected", app_id, applicant_id, card_number="XY98765432ZW")
    wait_until(lambda: status_of(rt, app_id) == "card_collected", message="collected")


def test_a_returned_card_posted_again_reads_returned_then_dispatched_in_the_list(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    _card_posted(rt, app_id, applicant_id)
    card(rt, "card.returned", app_id, applicant_id, reason="転居先不明", reason_code="moved_no_forwarding_address")
    wait_until(lambda: status_of(rt, app_id) == "card_returned", message="returned")
    # The list of applications, where the applicant looks first, says the card came back (not "dispatched").
    listing = client.get("/applications?lang=vi").data.decode()
    assert "Thẻ bị trả lại do không giao được" in listing
    assert "Card returned undelivered" in client.get("/applications?lang=en").data.decode()
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "Hiện tại: bưu điện đã trả thẻ mới của bạn về Cục. Hãy kiểm tra địa chỉ nhận thư" in page
    card(rt, "card.dispatched", app_id, applicant_id, tracking_number="1234-5678-9013")
    wait_until(lambda: status_of(rt, app_id) == "card_dispatched", message="posted again")
    assert "Hiện tại:" not in client.get(f"/applications/{app_id}?lang=vi").data.decode()
    card(rt, "card.delivered", app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "card_delivered", message="delivered")


def test_timeline_names_the_office_that_received_the_case_and_hand_overs(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id, office="yokohama")
    wait_until(lambda: status_of(rt, app_id) == "received", message="received")
    transferred(rt, app_id, applicant_id, "saitama")
    transferred(rt, app_id, applicant_id, None)  # taken back by the bureau
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 5, message="timeline")
    assert status_of(rt, app_id) == "received"  # a hand-over moves nobody's status
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "received by 横浜支局 (Yokohama District Office)" in page
    assert page.count("Handed to another office of the bureau") == 2
    assert "さいたま出張所 (Saitama Branch Office)" in page and "Tokyo Regional Immigration Services Bureau" in page
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "do 横浜支局 (Yokohama District Office) tiếp nhận" in page  # the office name stays a proper noun
    api = client.get(f"/api/v1/applications/{app_id}").json
    assert [e["detail"].get("office") for e in api["timeline"] if e["kind"] in ("received", "transferred")] == [
        "yokohama",
        "saitama",
        None,
    ]


def test_receipt_proof_public_page_and_pdfs(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    assert client.get(f"/applications/{app_id}/receipt.pdf").status_code == 404  # no receipt number yet
    received(rt, app_id, applicant_id, receipt="OSK-2026-777")
    wait_until(lambda: application_row(rt, app_id).receipt_number == "OSK-2026-777", message="receipt")
    anonymous = client.application.test_client()
    pdf_bytes = client.get(f"/applications/{app_id}/receipt.pdf").data
    import re as _re
    from urllib.parse import parse_qs, urlparse

    text = _pdf_text(pdf_bytes).replace("\n", "")
    qr_url = _re.search(rb"URL\s*(http://intake\.test/verify\?[^\s)]+)", text.encode())
    assert qr_url, "the e-receipt names the public check URL"
    token = parse_qs(urlparse(qr_url.group(1).decode()).query)["t"][0]
    printed = _re.search(r"Check code\s*((?:[0-9A-F]{4}-){4}[0-9A-F]{4})", text)
    assert printed and printed.group(1).replace("-", "").lower() == token, "the check code is printed to be typed"
    # The number alone, a wrong code, and a number that does not exist: one neutral answer, no status.
    neutral = "Nothing found. Check the receipt number and the check code printed on your e-receipt."
    for data in (
        {"receipt_number": "OSK-2026-777"},
        {"receipt_number": "OSK-2026-777", "code": "0" * 20},
        {"receipt_number": "NOPE-1", "code": printed.group(1)},
    ):
        page = anonymous.post("/verify", data=data).data.decode()
        assert neutral in page and "pending since" not in page and "no longer pending" not in page, data
    for query in ("", "?code=" + "0" * 20):
        body = anonymous.get(f"/api/v1/receipts/OSK-2026-777{query}").json
        assert body["found"] is False and "pending" not in body and "since" not in body and body["message"] == neutral
    assert anonymous.get("/verify?n=OSK-2026-777").data.decode().count("pending since") == 0
    # With the printed code typed by hand (full width, lower case, spaces) the page answers.
    typed = (
        printed.group(1)
        .lower()
        .replace("-", " ")
        .translate(str.maketrans("0123456789abcdef", "０１２３４５６７８９ａｂｃｄｅｆ"))
    )
    page = anonymous.post("/verify", data={"receipt_number": "ｏｓｋ-2026-777", "code": typed}).data.decode()
    assert "is pending since" in page and "NGUYEN" not in page
    assert anonymous.get(f"/api/v1/receipts/OSK-2026-777?code={printed.group(1)}").json["pending"] is True
    assert "is pending since" in anonymous.get(f"/verify?n=OSK-2026-777&t={token}").data.decode()  # the QR link
    ja = anonymous.get("/verify?n=OSK-2026-777", headers={"Accept-Language": "ja"}).data.decode()
    assert "電子受付票に印字された受付番号と確認コードをご確認ください" in ja
    for path in ("receipt.pdf", "fee-slip.pdf", "copy.pdf"):
        r = client.get(f"/applications/{app_id}/{path}")
        assert r.status_code == 200 and r.data.startswith(b"%PDF-") and r.mimetype == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(client.get(f"/applications/{app_id}/fee-slip.pdf").data)).pages[0].extract_text()
    assert "OSK-2026-777" in text and "12,000" in text


def test_documents_request_answered_online(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    request_id = documents_requested(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "documents_requested", message="documents requested")
    assert "Certificate of residence tax (taxation certificate)" in client.get(f"/applications/{app_id}").data.decode()
    empty = client.post(f"/applications/{app_id}/documents/{request_id}/submit", data={"message": "x"})
    assert empty.status_code == 302
    assert "Attach at least one document" in client.get(f"/applications/{app_id}").data.decode()
    bad = client.post(
        f"/applications/{app_id}/documents/{request_id}/upload",
        data={"file": (io.BytesIO(encrypted_pdf()), "tax.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302
    assert "password-protected" in client.get(f"/applications/{app_id}").data.decode()  # never silently dropped
    client.post(
        f"/applications/{app_id}/documents/{request_id}/upload",
        data={"file": (io.BytesIO(pdf()), "tax.pdf"), "kind": "tax_certificate"},
        content_type="multipart/form-data",
    )
    client.post(f"/applications/{app_id}/documents/{request_id}/submit", data={"message": "Here it is"})
    sent = outbox_events(rt, "application.documents_submitted")
    assert len(sent) == 1 and sent[0]["payload"]["request_id"] == request_id
    assert sent[0]["payload"]["attachments"][0]["media_type"] == "application/pdf"
    assert sent[0]["payload"]["attachments"][0]["filename"] == "tax.pdf"  # what the officer reads beside the kind
    assert status_of(rt, app_id) == "under_examination"


def test_the_documents_deadline_reads_as_the_language_writes_days(client, rt, submitted):
    """Issue 18: the request's deadline showed as an ISO date ('hạn 2026-12-20') on the Vietnamese page."""
    from datetime import date, timedelta

    from babel.dates import format_date

    applicant_id, app_id, _ = submitted
    documents_requested(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "documents_requested", message="documents requested")
    deadline = date.today() + timedelta(days=14)
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    heading = page.split('<section id="documents"><h2>', 1)[1].split("</h2>", 1)[0]
    assert format_date(deadline, locale="vi") in heading and deadline.isoformat() not in heading


def test_inbox_receives_notices(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    notice_id = notice(rt, applicant_id, app_id)
    wait_until(lambda: "Your application was received" in client.get("/inbox").data.decode(), message="notice in inbox")
    assert "We received it." in client.get(f"/inbox/{notice_id}").data.decode()


def test_a_notice_published_again_under_a_new_event_id_is_kept_once(client, rt, submitted):
    # notify re-stages a notice it already published (e.g. replayed as a new event): the inbox is
    # keyed on the notice, so the second one neither fails (and dead-letters) nor shows twice.
    from intake.application.inbound import on_notice_created
    from zairyu_shared.db import transaction
    from zairyu_shared.events import new_event

    applicant_id, app_id, _ = submitted
    payload = {
        "notice_id": "n-repeated",
        "applicant_id": applicant_id,
        "application_id": app_id,
        "notice_type": "application_received",
        "language": "en",
        "subject": "Only once, please",
        "body_text": "We received it.",
        "created_at": "2026-11-26T00:00:00+00:00",
    }
    for _ in range(2):
        event = new_event("notice.created", payload, source="notify", correlation_id=app_id)
        with transaction(rt.session_factory) as session:
            on_notice_created(rt, session, event)
    assert client.get("/inbox").data.decode().count("Only once, please") == 1
    assert "We received it." in client.get("/inbox/n-repeated").data.decode()


def test_signed_withdrawal_and_correction(client, rt, submitted):
    applicant_id, app_id, _ = submitted
    code = code_from(client.post(f"/applications/{app_id}/correction", data={"message": "Wrong passport expiry"}))
    assert sign_code(client, code, "nguyen").json["ok"] is True
    correction = outbox_events(rt, "application.correction_requested")
    assert len(correction) == 1 and correction[0]["payload"]["message"] == "Wrong passport expiry"
    code = code_from(client.post(f"/applications/{app_id}/withdrawal", data={"message": "moving abroad"}))
    sign_code(client, code, "nguyen")
    assert len(outbox_events(rt, "application.withdrawn")) == 1
    assert status_of(rt, app_id) == "withdrawal_requested"
    again = client.post(f"/applications/{app_id}/withdrawal", data={"message": "again"})
    assert again.status_code == 200 and "no longer open" in again.data.decode()


def test_event_for_an_unknown_application_is_dead_lettered_not_swallowed(rt):
    from intake.application.inbound import UnknownApplication, on_application_event
    from zairyu_shared.db import transaction
    from zairyu_shared.events import new_event

    event = new_event(
        "application.examination_started",
        {"application_id": "nope", "applicant_id": "x", "started_at": "2026-11-25T00:00:00+00:00"},
        source="review",
        correlation_id="nope",
    )
    with pytest.raises(UnknownApplication):
        with transaction(rt.session_factory) as session:
            on_application_event(rt, session, event)


def test_the_consumers_one_statement_step_moves_the_status_as_the_domain_says(client, rt):
    # inbound._record moves the status inside its UPDATE (timeline.MOVES_TO): for every status an application may
    # be in and every status an event leads to, what it writes is what timeline.advance says.
    import types
    import uuid
    from datetime import datetime

    import sqlalchemy as sa

    from intake.adapters.tables import applications
    from intake.application.inbound import UnknownApplication, _record
    from intake.domain import timeline
    from zairyu_shared.db import transaction

    applicant_id = register(client, rt)
    _, answer = submit(client, fill_draft(client))
    app_id = answer.json["application_id"]

    def event(applicant=applicant_id):
        data = {"application_id": app_id, "applicant_id": applicant}
        return types.SimpleNamespace(id=str(uuid.uuid4()), data=data, occurred_at=datetime.now(UTC))

    with transaction(rt.session_factory) as session:
        for current in timeline.STATUSES:
            for target in (*timeline.STATUSES, None):
                session.execute(applications.update().where(applications.c.id == app_id).values(status=current))
                assert _record(session, event(), "step", target, {}).idempotency_key
                status = session.execute(sa.select(applications.c.status).where(applications.c.id == app_id))
                assert status.scalar_one() == timeline.advance(current, target), (current, target)
    with pytest.raises(UnknownApplication):  # another applicant's application is not theirs to move
        with transaction(rt.session_factory) as session:
            _record(session, event(applicant="someone-else"), "step", "received", {})


def test_expected_processing_time_from_decisions_here(client, rt, submitted):
    from datetime import datetime, timedelta

    from intake.adapters.tables import applications, timeline_entries
    from intake.application import following

    applicant_id, app_id, _ = submitted
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "14 to 30 days" in page and "official target" in page
    base = datetime.now(UTC) - timedelta(days=60)  # decisions of the last year count (RECENT)
    with rt.engine.begin() as conn:
        for i, days in enumerate([10, 12, 20, 22, 40, -400]):  # the last: decided 15 months ago, not recent
            other = f"past-{i}"
            conn.execute(
                applications.insert().values(
                    id=other,
                    applicant_id=applicant_id,
                    idempotency_key=other,
                    provisional_number=f"P-{i}",
                    procedure="extension",
                    bundled="",
                    status="approved",
                    bureau="tokyo",
                    language="en",
                    fee_yen=5500,
                    form="{}",
                    signed_content="",
                    content_sha256="0" * 64,
                    signature_cms="",
                    submitted_at=base,
                    received_at=base,
                    updated_at=base,
                )
            )
            conn.execute(
                timeline_entries.insert().values(
                    application_id=other,
                    applicant_id=applicant_id,
                    kind="approved",
                    occurred_at=base + timedelta(days=days),
                )
            )
    with rt.session_factory() as session:
        assert following.expected_days(session, "extension", "tokyo") == {
            "source": "decisions",
            "low": 20,
            "high": 40,
            "samples": 5,
        }
        assert following.expected_days(session, "extension", "osaka")["source"] == "official"
        # No official target is published for these two (residence-procedures.md "Who decides"): our estimate.
        assert following.expected_days(session, "acquisition", "tokyo")["source"] == "estimate"
        assert following.expected_days(session, "employment_certificate", "tokyo")["source"] == "estimate"
    assert "from 5 recent decisions" in client.get(f"/applications/{app_id}").data.decode()


def test_documents_answered_through_the_api(client, rt, submitted):
    from journey import API

    applicant_id, app_id, _ = submitted
    request_id = documents_requested(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "documents_requested", message="documents requested")
    bad = client.post(
        f"/api/v1/applications/{app_id}/documents/{request_id}/attachments",
        headers=API,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(encrypted_pdf()), "t.pdf")},
    )
    assert bad.status_code == 400 and bad.json["error"] == "upload.pdf_encrypted"
    ok = client.post(
        f"/api/v1/applications/{app_id}/documents/{request_id}/attachments",
        headers=API,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(pdf()), "t.pdf"), "kind": "tax_certificate"},
    )
    assert ok.status_code == 201
    assert client.post(
        f"/api/v1/applications/{app_id}/documents/{request_id}", json={"message": "here"}, headers=API
    ).json == {"ok": True}
    assert client.post(f"/api/v1/applications/{app_id}/documents/{request_id}", json={}, headers=API).status_code == 409
    assert len(outbox_events(rt, "application.documents_submitted")) == 1


def test_a_draft_prints_as_a_pdf_marked_unsigned_with_what_is_missing(client, rt):
    from journey import fill_draft, worker_fields

    register(client, rt)
    draft_id = fill_draft(client, fields={**worker_fields(), "card_receipt": "counter"}, photo=False)
    review = client.get(f"/apply/{draft_id}/review").data.decode()
    assert f"/apply/{draft_id}/draft.pdf" in review
    response = client.get(f"/apply/{draft_id}/draft.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(_pdf_text(response.data).split())
    assert "not signed, not submitted" in text
    assert "Extension of period of stay" in text and "C1234567" in text  # the procedure and the typed values
    assert "At the counter" in text  # choices by their label, not their code
    assert "Still to complete" in text and "Photo" in text  # no photo yet: said, not hidden


def test_a_vietnamese_applicant_reads_the_bureaus_words_in_vietnamese(client, rt, submitted):
    """Issue 18: the requested documents, the granted status and period in Vietnamese on the application page
    and its timeline; the officer's note shown as written, marked as Japanese."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    examination(rt, app_id, applicant_id)
    documents_requested(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "documents_requested", message="documents requested")
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "Giấy chứng nhận thuế cư trú (課税証明書)" in page and "住民税の課税（又は非課税）証明書" not in page
    assert "Ghi chú của Cục, nguyên văn bằng tiếng Nhật (原文（日本語）):" in page
    assert '<p lang="ja">令和7年度分を提出してください。</p>' in page
    decided(rt, app_id, applicant_id)
    wait_until(lambda: status_of(rt, app_id) == "approved", message="approved")
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "Kỹ thuật・Tri thức nhân văn・Nghiệp vụ quốc tế (技術・人文知識・国際業務)" in page and "(3 năm)" in page
    assert "Engineer" not in page and "P3Y" not in page


def test_a_refusal_names_its_grounds_in_the_applicants_language(client, rt, submitted):
    """Session 20: the page showed the bureau's Japanese explanation only; the grounds the examiner ticked now read in
    the page's language, and an older decision's free code is not shown."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    examination(rt, app_id, applicant_id)
    decided(rt, app_id, applicant_id, outcome="refused", reason_codes=["livelihood", "R-1"])
    wait_until(lambda: status_of(rt, app_id) == "refused", message="refused")
    page = client.get(f"/applications/{app_id}?lang=vi").data.decode()
    assert "<li>Chưa chứng minh được khả năng sinh sống ổn định tại Nhật Bản</li>" in page and "R-1" not in page
    # nothing will be delivered, nor is anything still being processed (the screenshot showed both)
    assert 'id="delivers"' not in page and "Thời gian xử lý dự kiến" not in page
    assert "/fee-slip" not in page  # a fee is paid only on approval
    page = client.get(f"/applications/{app_id}?lang=ne").data.decode()
    assert "<li>जापानमा स्थिर जीविका देखाइएको छैन</li>" in page


def test_a_hand_over_to_an_office_added_to_the_vocabulary_shows_its_name_not_its_code(client, rt, submitted):
    """Tachikawa (the Tama area's office) was not in the vocabulary before session 23: the timeline showed the bare
    code ``tachikawa``, untranslatable to anyone."""
    applicant_id, app_id, _ = submitted
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id, office=None)
    transferred(rt, app_id, applicant_id, "tachikawa")
    wait_until(lambda: len(client.get(f"/api/v1/applications/{app_id}").json["timeline"]) == 4, message="timeline")
    page = client.get(f"/applications/{app_id}?lang=ne").data.decode()
    assert "立川出張所 (Tachikawa Branch Office)" in page
    assert ">tachikawa<" not in page and "— tachikawa" not in page
