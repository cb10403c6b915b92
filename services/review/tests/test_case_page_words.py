"""Issue 18: words on the officer's case page, not codes or text as typed: an older application's nationality
(typed, 'Viet Nam') by its Japanese name, the history's steps by the applicant and the system in Japanese."""

from __future__ import annotations

from datetime import date, timedelta

from case_page_support import act, make_examiner, officer_page, page_of, section
from review_testkit import intake_event, verified_event

from review.application import casework, inbound


def test_an_older_case_reads_in_japanese_names_not_as_typed_or_as_codes(rt):
    """Issue 18: the testkit's application is an older one (nationality typed, 'Viet Nam'); the page showed it as
    typed, and the history's steps by the applicant and the system as 'applicant' and 'system'."""
    examiner = make_examiner(rt)
    event = verified_event(nationality="Viet Nam")  # the form inside says "Viet Nam" too
    act(rt, inbound.receive, event)
    app_id = event.payload["application_id"]
    act(rt, casework.claim, examiner["officer"], app_id, ip="10.0.0.5")
    request_id = act(
        rt,
        casework.request_documents,
        examiner["officer"],
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
        "attachments": [{"sha256": "c" * 64, "media_type": "application/pdf", "size": 10, "kind": "tax_certificate"}],
        "submitted_at": "2026-01-10T10:00:00+09:00",
    }
    act(rt, inbound.documents_submitted, intake_event("application.documents_submitted", answer, app_id))
    page = page_of(rt, examiner, app_id)
    header = page.split("<h1", 1)[1].split("</p>", 1)[0]
    assert "· ベトナム ·" in header and "Viet Nam" not in header
    assert "· 技術・人文知識・国際業務 ·" in header and "engineer_" not in section(page, "form")  # by name, not code
    assert "<dt>国籍・地域</dt><dd>ベトナム</dd>" in section(page, "form")
    history = section(page, "hist")
    assert "受付 · システム ·" in history and "資料提出 · 申請人 ·" in history
    assert "· system ·" not in history and "· applicant ·" not in history


def test_the_queue_names_nationalities_coded_or_typed(rt):
    """The queue showed the nationality as the event carried it: 'VN' (a code) or 'Viet Nam' (typed)."""
    examiner = make_examiner(rt)
    for nationality in ("VN", "Viet Nam", "ネパール"):
        act(rt, inbound.receive, verified_event(nationality=nationality))
    queue = officer_page(rt, examiner, "/queue")
    rows = queue.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<td>ベトナム</td>") == 2 and rows.count("<td>ネパール</td>") == 1
    assert "<td>VN</td>" not in rows and "Viet Nam" not in rows


def test_the_specified_card_answer_sits_in_the_request_by_its_japanese_name(rt):
    """The case page listed 'specified_card' under その他の記載事項 by its field code (seen on the officer's
    screenshot, tests/browser/test_case_page.py)."""
    from review_testkit import FORM

    examiner = make_examiner(rt)
    form = {**FORM, "form": {**FORM["form"], "card_receipt": "post", "specified_card": "no"}}
    event = verified_event(form=form)
    act(rt, inbound.receive, event)
    signed = section(page_of(rt, examiner, event.payload["application_id"]), "form")
    request = signed.split("申請の内容（13〜16）", 1)[1]
    assert "<dt>特定在留カードの交付の希望</dt>" in request.split("</dl>", 1)[0]
    assert "specified_card" not in signed and "その他の記載事項" not in signed
