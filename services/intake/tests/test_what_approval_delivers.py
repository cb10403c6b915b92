"""The account says what approving the application delivers and how, per procedure (residence-procedures.md
item 7): a new card by post or at the counter (the specified card, an activity permission), a COE by e-mail or
on paper, an employment certificate as a signed PDF or on paper. A procedure without a card never mentions one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from following_scenario import emit, verified
from intake_testkit import outbox_events
from journey import fill_draft, register, submit, worker_fields

from intake.domain import deliveries, form
from zairyu_shared.testing import wait_until


@pytest.mark.parametrize(
    "procedure,values,decided,key",
    [
        ("extension", {}, None, "residence_card.post"),
        ("change", {"card_receipt": "counter"}, None, "residence_card.counter"),
        ("acquisition", {"card_receipt": "counter"}, {"delivery_method": "post"}, "residence_card.post"),
        ("coe", {}, None, "coe.email"),
        ("coe", {"coe_delivery": "paper"}, None, "coe.post"),
        ("employment_certificate", {}, None, "employment_certificate.pdf"),
        ("employment_certificate", {"certificate_delivery": "paper"}, None, "employment_certificate.post"),
        ("employment_certificate", {"card_receipt": "counter"}, None, "employment_certificate.pdf"),
    ],
)
def test_each_procedure_delivers_its_own_thing(procedure, values, decided, key):
    assert deliveries.of(procedure, values, decided).key == key


def test_the_specified_card_and_the_activity_permission_belong_to_card_procedures():
    assert deliveries.of("extension", {"specified_card": "yes"}).specified_card
    assert not deliveries.of("coe", {"specified_card": "yes"}).specified_card
    granted = deliveries.of("extension", {}, {"outside_activity": {"hours_per_week": 20, "activity": "x"}})
    assert granted.outside_activity_hours == 20


@pytest.mark.parametrize(
    "procedure,asked,not_asked",
    [
        ("coe", {"coe_delivery"}, {"card_receipt", "specified_card", "certificate_delivery"}),
        ("employment_certificate", {"certificate_delivery"}, {"card_receipt", "specified_card", "coe_delivery"}),
        ("extension", {"card_receipt", "specified_card"}, {"coe_delivery", "certificate_delivery"}),
        ("acquisition", {"card_receipt", "specified_card"}, {"coe_delivery", "certificate_delivery"}),
    ],
)
def test_the_form_asks_each_procedure_only_its_own_delivery_choice(procedure, asked, not_asked):
    names = {f.name for f in form.fields_for(form.Choice(procedure), "request")}
    assert asked <= names and not (not_asked & names)


def test_the_specified_card_is_an_option_from_2026_06_14():
    raw = {**worker_fields(), "specified_card": "yes", "period_expiry": "2026-07-31"}
    choice = form.Choice("extension")
    _, before = form.validate(choice, raw, date(2026, 6, 13))
    _, on_the_day = form.validate(choice, raw, date(2026, 6, 14))
    assert before.get("specified_card") == "error.choice" and "specified_card" not in on_the_day


def _section(page: str) -> str:
    return re.search(r'<section id="delivers">(.*?)</section>', page, re.S).group(1)


def _file(client, rt, procedure, extra):
    applicant_id = register(client, rt)
    draft_id = fill_draft(client, procedure=procedure, bundled=(), fields={**worker_fields(), **extra})
    _, answer = submit(client, draft_id)
    rt.start_background()
    app_id = answer.json["application_id"]
    verified(rt, outbox_events(rt, "application.submitted")[0])
    return applicant_id, app_id


def _approve(rt, app_id, applicant_id, procedure, **v2):
    emit(
        rt,
        "application.decided",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "outcome": "approved",
            "procedure": procedure,
            "bundled": v2.pop("bundled", []),
            "bureau": "tokyo",
            "fee_yen": 1600,
            "card_by_mail": True,
            "decided_at": datetime.now(UTC).isoformat(),
            **v2,
        },
        app_id,
    )


def test_an_employment_certificate_on_paper_is_told_without_any_card(client, rt):
    applicant_id, app_id = _file(client, rt, "employment_certificate", {"certificate_delivery": "paper"})
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "A certificate of authorised employment, on paper by post." in _section(page)
    assert "our estimate: the agency publishes no target" in page and "official target" not in page
    _approve(rt, app_id, applicant_id, "employment_certificate", delivery_method="post")
    wait_until(lambda: "Approved" in client.get(f"/applications/{app_id}").data.decode(), message="approved")
    page = client.get(f"/applications/{app_id}").data.decode()
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert "on paper by post" in timeline and "card" not in timeline.lower()
    assert "card" not in _section(page).lower()
    ja = client.get(f"/applications/{app_id}?lang=ja").data.decode()
    assert "就労資格証明書を書面で郵送により受け取ります。" in _section(ja) and "カード" not in _section(ja)


def test_an_extension_says_the_card_the_specified_card_and_the_granted_activity(client, rt):
    applicant_id, app_id = _file(client, rt, "extension", {"specified_card": "yes", "card_receipt": "counter"})
    assert "at the bureau counter" in _section(client.get(f"/applications/{app_id}").data.decode())
    _approve(
        rt,
        app_id,
        applicant_id,
        "extension",
        delivery_method="counter",
        specified_card=True,
        bundled=["activity_outside_status"],
        outside_activity={"hours_per_week": 20, "activity": "Kitchen help", "employer": "Cafe Sakura"},
    )
    wait_until(lambda: "Approved" in client.get(f"/applications/{app_id}").data.decode(), message="approved")
    section = _section(client.get(f"/applications/{app_id}").data.decode())
    assert "specified residence card" in section and "at most 20 hours a week" in section
    vi = _section(client.get(f"/applications/{app_id}?lang=vi").data.decode())
    assert "tối đa 20 giờ mỗi tuần" in vi


def test_the_timeline_says_the_signed_pdf_was_mailed_with_its_number_and_check_link(client, rt):
    applicant_id, app_id = _file(client, rt, "employment_certificate", {})
    _approve(rt, app_id, applicant_id, "employment_certificate", delivery_method="pdf")
    emit(
        rt,
        "certificate.issued",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "document_id": "EMP-0123456789ABCDEF",
            "kid": "DEMO-0123456789abcdef",
            "valid_until": "2027-05-31",
            "verify_url": "http://127.0.0.1:8001/public/coe/EMP-0123456789ABCDEF",
            "document_b64": "JVBERi0xLjQKc2VhbGVkCg==",
            "issued_at": datetime.now(UTC).isoformat(),
        },
        app_id,
    )
    wait_until(
        lambda: "EMP-0123456789ABCDEF" in client.get(f"/applications/{app_id}").data.decode(),
        message="the document entry on the timeline",
    )
    page = client.get(f"/applications/{app_id}").data.decode()
    assert (
        "Signed PDF sent to you by e-mail" in page and "valid until May 31, 2027" in page
    )  # in the reader's own form (Babel)
    assert 'href="http://127.0.0.1:8001/public/coe/EMP-0123456789ABCDEF"' in page
    assert "署名付きPDFをメールで送付しました" in client.get(f"/applications/{app_id}?lang=ja").data.decode()


@pytest.mark.parametrize("provider, pdf_offered", [("none", False), ("demo", True)])
def test_an_employment_certificate_as_a_pdf_only_where_its_fee_can_be_paid_online(tmp_path, provider, pdf_offered):
    # Found 2026-12-07: the PDF is sealed once its fee is paid online (review: fee.paid), and the real mode has no
    # payment provider, so the form's default choice waited for ever. Without online payment it is refused at the
    # review page and at signing, in the person's language; paper by post goes through.
    from intake_testkit import EnglishClient, make_runtime

    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path, payment_provider=provider)  # embedded either way: only the provider differs
    try:
        app = create_app(rt)
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        app.test_client_class = EnglishClient
        client = app.test_client()
        register(client, rt)
        fields = {**worker_fields(), "certificate_delivery": "pdf"}
        draft_id = fill_draft(client, procedure="employment_certificate", bundled=(), fields=fields)
        page = client.get(f"/apply/{draft_id}/review").data.decode()
        refused = "fees cannot be paid online here yet" in page
        assert refused is (not pdf_offered)
        assert ('name="idempotency_key"' in page) is pdf_offered  # no signing while it is refused
        if not pdf_offered:
            vi = client.get(f"/apply/{draft_id}/review?lang=vi").data.decode()
            assert "chưa thể thanh toán trực tuyến" in vi
            paper = fill_draft(
                client,
                procedure="employment_certificate",
                bundled=(),
                fields={**fields, "certificate_delivery": "paper"},
            )
            assert 'name="idempotency_key"' in client.get(f"/apply/{paper}/review").data.decode()
    finally:
        rt.stop()
