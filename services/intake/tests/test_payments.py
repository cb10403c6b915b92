"""Paying the fee online through the web front, the API and the DEMO provider's signed notifications."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from following_scenario import application_row, decided, emit, examination, received, verified
from intake_testkit import EnglishClient, make_runtime, outbox_events
from journey import API, fill_draft, register, submit
from werkzeug.serving import make_server

from intake.adapters import payment_provider
from intake.adapters.tables import payments
from intake.application import paying
from zairyu_shared.testing import wait_until

GOOD, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"


def _approve(client, rt, outcome="approved"):
    applicant_id = register(client, rt)
    _, answer = submit(client, fill_draft(client))
    app_id = answer.json["application_id"]
    rt.start_background()
    verified(rt, outbox_events(rt, "application.submitted")[0])
    received(rt, app_id, applicant_id)
    examination(rt, app_id, applicant_id)
    wait_until(lambda: application_row(rt, app_id).status == "under_examination", message="examination")
    if outcome:
        decided(rt, app_id, applicant_id, outcome)
        wait_until(lambda: application_row(rt, app_id).status == outcome, message=outcome)
    return applicant_id, app_id


@pytest.fixture
def sent(rt, app):
    """Notifications the DEMO provider sends, delivered at once through the app (the real HTTP path is below)."""
    psp = paying.provider(rt)
    outbox = []

    def deliver(url, body):
        assert url == "http://intake.test/payments/webhook"
        outbox.append(body)
        answer = app.test_client().post(
            "/payments/webhook",
            data=body,
            content_type="application/json",
            headers={"Zairyu-Signature": payment_provider.sign(psp.secret, body)},
        )
        assert answer.status_code == 200, answer.data

    psp.deliver = deliver
    return outbox


def _checkout(client, app_id, key=None):
    answer = client.post(f"/applications/{app_id}/payment", data={"idempotency_key": key or str(uuid.uuid4())})
    assert answer.status_code == 302, answer.data[:2000]
    return answer.headers["Location"].removeprefix("http://intake.test")


def _pay(client, checkout, card):
    answer = client.post(checkout, data={"card_number": card})
    assert answer.status_code == 302, answer.data[:2000]
    return answer.headers["Location"]


def _rows(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(payments).order_by(payments.c.created_at)).all()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_declined_then_paid_once_with_event_timeline_and_pdfs(client, rt, sent):
    applicant_id, app_id = _approve(client, rt)
    page = client.get(f"/applications/{app_id}").data.decode()
    assert "¥12,000" in page and f"/applications/{app_id}/payment" in page
    key = str(uuid.uuid4())
    checkout = _checkout(client, app_id, key)
    assert _checkout(client, app_id, key) == checkout, "a double click opens the same checkout"
    assert len(_rows(rt)) == 1
    demo = client.get(checkout).data.decode()
    assert "DEMO payment — no money moves" in demo and "¥12,000" in demo
    assert client.post(checkout, data={"card_number": "1234"}).status_code == 422
    back = _pay(client, checkout, DECLINED)
    assert back == f"http://intake.test/applications/{app_id}/payment?returned=1"
    assert _rows(rt)[0].state == "failed"
    assert "declined" in client.get(f"/applications/{app_id}/payment").data.decode()
    assert client.post(checkout, data={"card_number": GOOD}).status_code == 409, "a settled session takes no card"

    checkout = _checkout(client, app_id)
    _pay(client, checkout, GOOD)
    paid = [r for r in _rows(rt) if r.state == "paid"]
    assert len(paid) == 1 and paid[0].amount_yen == 12000 and paid[0].provider_reference.startswith("DEMO-")
    events = outbox_events(rt, "fee.paid")
    assert len(events) == 1
    assert events[0]["payload"] | {"paid_at": None} == {
        "application_id": app_id,
        "applicant_id": applicant_id,
        "payment_id": paid[0].id,
        "amount_yen": 12000,
        "paid_at": None,
        "payment_reference": paid[0].provider_reference,
        "method": "card",
        "provider": "demo",
    }
    done_page = client.get(f"/applications/{app_id}/payment?returned=1").data.decode()
    assert "Fee paid online: ¥12,000" in done_page and paid[0].provider_reference in done_page
    assert 'http-equiv="refresh"' not in done_page
    assert "Fee paid online" in client.get(f"/applications/{app_id}").data.decode()  # the timeline entry
    # paying again is refused with the reason, and creates nothing
    again = client.post(f"/applications/{app_id}/payment", data={"idempotency_key": str(uuid.uuid4())})
    assert again.status_code == 409 and "Fee paid online: ¥12,000" in again.data.decode()
    assert len(_rows(rt)) == 2
    slip = _pdf_text(client.get(f"/applications/{app_id}/fee-slip.pdf").data)
    assert "PAID ONLINE" in slip and paid[0].provider_reference in slip
    receipt = _pdf_text(client.get(f"/applications/{app_id}/payment-receipt.pdf").data)
    assert "12,000" in receipt and paid[0].provider_reference in receipt and "DEMO" in receipt


def test_return_before_the_notification_shows_processing_until_it_arrives(client, rt, sent, app):
    _, app_id = _approve(client, rt)
    psp = paying.provider(rt)
    held = []
    psp.deliver = lambda url, body: held.append(body)  # the provider is slow to notify
    _pay(client, _checkout(client, app_id), GOOD)
    page = client.get(f"/applications/{app_id}/payment?returned=1").data.decode()
    assert "Processing your payment" in page and 'http-equiv="refresh"' in page
    assert _rows(rt)[0].state == "pending" and not outbox_events(rt, "fee.paid")
    post = app.test_client().post
    answer = post(
        "/payments/webhook", data=held[0], headers={"Zairyu-Signature": payment_provider.sign(psp.secret, held[0])}
    )
    assert answer.json == {"received": True, "effect": "paid"}
    assert "Fee paid online" in client.get(f"/applications/{app_id}/payment?returned=1").data.decode()


def test_forged_stale_replayed_and_out_of_order_notifications(client, rt, sent, app):
    _, app_id = _approve(client, rt)
    _pay(client, _checkout(client, app_id), GOOD)
    body = sent[0]
    psp = paying.provider(rt)
    hook = app.test_client()

    def post(data, header):
        return hook.post(
            "/payments/webhook",
            data=data,
            content_type="application/json",
            headers={"Zairyu-Signature": header} if header else {},
        )

    # forged: no signature, another secret, a body changed after signing, a stale or future timestamp
    assert post(body, None).status_code == 400
    assert post(body, payment_provider.sign("x" * 40, body)).status_code == 400
    doc = json.loads(body)
    doc["id"], doc["data"]["amount"] = "evt_forged", 1
    assert post(json.dumps(doc).encode(), payment_provider.sign(psp.secret, body)).status_code == 400
    stale = int(time.time()) - 3600
    assert post(body, payment_provider.sign(psp.secret, body, stale)).status_code == 400
    assert post(body, payment_provider.sign(psp.secret, body, int(time.time()) + 3600)).status_code == 400
    assert post(b"{not json", payment_provider.sign(psp.secret, b"{not json")).status_code == 400
    # replayed with a fresh signature: acknowledged, no second effect
    assert post(body, payment_provider.sign(psp.secret, body)).json["effect"] == "duplicate"
    # a late "failed" for the paid payment (out of order): a final payment never moves
    row = _rows(rt)[0]
    late = json.dumps(
        {
            "id": "evt_late_failure",
            "type": "checkout.failed",
            "created": int(time.time()) - 5,
            "data": {
                "session_id": row.provider_session,
                "merchant_reference": row.id,
                "amount": 12000,
                "currency": "JPY",
                "method": "card",
                "psp_reference": None,
                "reason": "card_declined",
            },
        }
    ).encode()
    assert post(late, payment_provider.sign(psp.secret, late)).json["effect"] == "ignored_final"
    # a validly signed notification about a payment we never made
    ghost = late.replace(row.id.encode(), str(uuid.uuid4()).encode()).replace(b"evt_late_failure", b"evt_ghost")
    assert post(ghost, payment_provider.sign(psp.secret, ghost)).json["effect"] == "unknown_payment"
    assert _rows(rt)[0].state == "paid" and len(outbox_events(rt, "fee.paid")) == 1


def test_a_new_attempt_closes_the_open_checkout(client, rt, sent):
    _, app_id = _approve(client, rt)
    first = _checkout(client, app_id)
    second = _checkout(client, app_id)
    assert first != second
    assert [r.state for r in _rows(rt)] == ["cancelled", "pending"]
    assert client.post(first, data={"card_number": GOOD}).status_code == 409  # the old session takes no card
    _pay(client, second, GOOD)
    assert [r.state for r in _rows(rt)] == ["cancelled", "paid"]


@pytest.mark.parametrize(
    "outcome, key, text",
    [
        ("refused", "payment.refused", "refused: there is no fee"),
        (None, "payment.not_decided", "only after approval"),
    ],
)
def test_cannot_pay_what_is_not_due(client, rt, outcome, key, text):
    _, app_id = _approve(client, rt, outcome)
    answer = client.post(
        f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": str(uuid.uuid4())}, headers=API
    )
    assert answer.status_code == 409 and answer.json["error"] == key and text in answer.json["message"]
    status = client.get(f"/api/v1/applications/{app_id}/payment").json
    assert status["payable"] is False and status["reason"] == key and status["latest"] is None
    page = client.post(f"/applications/{app_id}/payment", data={"idempotency_key": str(uuid.uuid4())})
    assert page.status_code == 409 and text in page.data.decode()
    assert _rows(rt) == []


def test_no_fee_and_already_stamped(client, rt):
    applicant_id, app_id = _approve(client, rt, None)
    emit(
        rt,
        "application.decided",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "outcome": "approved",
            "procedure": "extension",
            "bureau": "tokyo",
            "fee_yen": 0,
            "card_by_mail": True,
            "decided_at": "2026-03-05T00:00:00+00:00",
        },
        app_id,
    )
    wait_until(lambda: application_row(rt, app_id).status == "approved", message="approved")
    status = client.get(f"/api/v1/applications/{app_id}/payment").json
    assert status["reason"] == "payment.no_fee"


def test_the_checkout_says_what_the_fee_is_for_in_the_payers_language(client, rt, sent):
    """The provider's page named the fee in English for everyone ("Residence procedure fee TKY-...")."""
    _, app_id = _approve(client, rt)
    client.get(f"/applications/{app_id}?lang=vi")  # the applicant reads Vietnamese
    demo = client.get(_checkout(client, app_id)).data.decode()
    assert "Lệ phí thủ tục lưu trú: Gia hạn thời gian lưu trú (" in demo, demo
    assert "Residence procedure fee" not in demo
    client.get(f"/applications/{app_id}?lang=ja")
    demo = client.get(_checkout(client, app_id)).data.decode()
    assert "在留手続の手数料：在留期間更新許可申請（" in demo


def test_api_start_is_idempotent_and_status_follows(client, rt, sent):
    _, app_id = _approve(client, rt)
    key = str(uuid.uuid4())
    assert client.post(f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": key}).status_code == 400
    first = client.post(f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": key}, headers=API)
    again = client.post(f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": key}, headers=API)
    assert first.status_code == 201 and again.status_code == 200 and first.json == again.json
    assert first.json["state"] == "pending" and first.json["amount_yen"] == 12000 and first.json["provider"] == "demo"
    assert (
        client.post(
            f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": "nope"}, headers=API
        ).status_code
        == 422
    )
    _pay(client, first.json["checkout_url"].removeprefix("http://intake.test"), GOOD)
    status = client.get(f"/api/v1/applications/{app_id}/payment").json
    assert status["paid"]["state"] == "paid" and status["paid"]["payment_reference"].startswith("DEMO-")
    assert status["payable"] is False and status["reason"] == "payment.already_paid"
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/applications/{application_id}/payments" in spec["paths"]
    assert "PaymentStatus" in spec["components"]["schemas"]


def test_reconcile_asks_the_provider_when_no_notification_came(client, rt, sent):
    from datetime import timedelta

    from zairyu_shared.db import transaction

    _, app_id = _approve(client, rt)
    paying.provider(rt).deliver = lambda url, body: None  # the notification is lost
    _pay(client, _checkout(client, app_id), GOOD)
    with transaction(rt.session_factory) as db:
        assert paying.reconcile(rt, db, older_than=timedelta(0)) == 1
    assert _rows(rt)[0].state == "paid" and len(outbox_events(rt, "fee.paid")) == 1


def test_the_consume_process_reconciles_lost_notifications_by_itself(client, rt, sent, monkeypatch):
    import threading
    from datetime import timedelta

    from intake.entrypoints.service import definition
    from intake.entrypoints.workers import payment_reconciler
    from zairyu_shared.testing import wait_until

    assert payment_reconciler in definition.workers  # what `consume` (and the embedded run) starts
    _, app_id = _approve(client, rt)
    paying.provider(rt).deliver = lambda url, body: None  # the notification is lost
    _pay(client, _checkout(client, app_id), GOOD)
    assert _rows(rt)[0].state == "pending"
    original = paying.reconcile
    monkeypatch.setattr(paying, "reconcile", lambda runtime, session: original(runtime, session, timedelta(0)))
    stop = threading.Event()
    threads = payment_reconciler(rt, stop)
    try:
        wait_until(lambda: _rows(rt)[0].state == "paid", message="the payment reconciled")
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert len(outbox_events(rt, "fee.paid")) == 1


REAL_MODE = {
    "DATABASE_URL": "postgresql://x/y",
    "AMQP_URL": "amqp://h",
    "ZAIRYU_SECRET_KEY": "s" * 40,
    "ZAIRYU_DATA_KEYS": "ZGV2LW9ubHktZmVybmV0LWtleS1ub3Qtc2VjcmV0ISE=",
    "ZAIRYU_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
}  # the real mode counts rate limits in Redis


def test_outside_the_embedded_run_there_is_no_provider_unless_one_is_configured_and_never_the_demo():
    """Issue 15, finding 1: the DEMO checkout (public test card) paid real fees in the real mode."""
    from intake.settings import IntakeSettings
    from zairyu_shared.config import ConfigError, load

    real = load(IntakeSettings, REAL_MODE)  # no payment secret needed while no provider is configured
    assert real.payment_provider == "none"
    assert load(IntakeSettings, {**REAL_MODE, "ZAIRYU_EMBEDDED": "true"}).payment_provider == "demo"
    with pytest.raises(ConfigError) as err:
        load(IntakeSettings, {**REAL_MODE, "ZAIRYU_PAYMENT_PROVIDER": "demo", "ZAIRYU_PAYMENT_SECRET": "p" * 40})
    assert [p for p in err.value.problems if p.startswith("ZAIRYU_PAYMENT_PROVIDER=demo is only for the embedded")]
    with pytest.raises(ConfigError):
        load(IntakeSettings, {**REAL_MODE, "ZAIRYU_PAYMENT_PROVIDER": "acquirer"})  # not an adapter we have


def test_a_hand_built_real_runtime_cannot_reach_the_demo_either(tmp_path):
    from dataclasses import replace

    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path)
    rt.settings = replace(rt.settings, embedded=False, payment_provider="demo")  # past the settings' check
    with pytest.raises(RuntimeError, match="only in the embedded run"):
        paying.provider(rt)
    assert not [r.rule for r in create_app(rt).url_map.iter_rules() if r.rule.startswith("/demo-psp")]


@pytest.fixture
def no_provider(tmp_path):
    """The real mode's payment side: no provider configured (the embedded run is only what moves the events)."""
    from intake.entrypoints.limits import limiter
    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path, payment_provider="none")
    web = create_app(rt)
    web.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    web.test_client_class = EnglishClient
    limiter.reset()
    yield rt, web
    rt.stop()


def test_without_a_provider_the_applicant_is_told_to_use_stamps_in_their_language(no_provider):
    rt, web = no_provider
    client = web.test_client()
    _, app_id = _approve(client, rt)
    assert paying.provider(rt) is None
    assert not [r.rule for r in web.url_map.iter_rules() if r.rule.startswith("/demo-psp")]
    unavailable = "Paying the fee online is not available yet"
    application = client.get(f"/applications/{app_id}").data.decode()
    assert unavailable in application and "¥12,000" in application and "Pay the fee online</a>" not in application
    page = client.get(f"/applications/{app_id}/payment").data.decode()
    assert (
        unavailable in page
        and f"/applications/{app_id}/fee-slip.pdf" in page
        and "<button" not in page.split("<main")[-1]
    )
    answer = client.post(f"/applications/{app_id}/payment", data={"idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 409 and unavailable in answer.data.decode()
    api = client.post(
        f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": str(uuid.uuid4())}, headers=API
    )
    assert api.status_code == 409 and api.json["error"] == "payment.unavailable"
    status = client.get(f"/api/v1/applications/{app_id}/payment").json
    assert status["payable"] is False and status["reason"] == "payment.unavailable"
    assert _rows(rt) == [] and not outbox_events(rt, "fee.paid")
    japanese = client.get(f"/applications/{app_id}/payment", headers={"Accept-Language": "ja"}).data.decode()
    assert unavailable not in japanese and "手数料のオンライン納付はまだご利用いただけません" in japanese
    # nothing can be notified into being paid: there is no provider to trust
    body = b'{"id":"evt_x","type":"checkout.succeeded"}'
    hook = web.test_client().post(
        "/payments/webhook", data=body, headers={"Zairyu-Signature": payment_provider.sign("p" * 40, body)}
    )
    assert hook.status_code == 400


@pytest.mark.parametrize("header", ["t=1,v1=\xe9", "t=1,v1=" + "\xff" * 64, "t=\xb9,v1=ab", "t=1_0,v1=ab", "v1=,t=1"])
def test_the_webhook_answers_400_to_any_malformed_signature(client, rt, app, header):
    """Issue 15, finding 10: a non-ASCII signature made hmac.compare_digest raise TypeError (a 500)."""
    answer = app.test_client().post("/payments/webhook", data=b"{}", headers={"Zairyu-Signature": header})
    assert answer.status_code == 400 and answer.json == {"error": "bad_notification"}


def test_notification_travels_over_real_http(tmp_path):
    """The DEMO provider POSTs its signed notification to intake's webhook over a real socket."""
    from zairyu_shared.testing import free_port

    port = free_port()
    rt = make_runtime(tmp_path, public_url=f"http://127.0.0.1:{port}")
    from intake.entrypoints.limits import limiter
    from intake.entrypoints.web import create_app

    web = create_app(rt)
    web.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    web.test_client_class = EnglishClient
    limiter.reset()
    server = make_server("127.0.0.1", port, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = web.test_client()
        _, app_id = _approve(client, rt)
        answer = client.post(f"/applications/{app_id}/payment", data={"idempotency_key": str(uuid.uuid4())})
        checkout = answer.headers["Location"].removeprefix(f"http://127.0.0.1:{port}")
        client.post(checkout, data={"card_number": GOOD})  # the default deliverer: HTTP, in the background
        wait_until(lambda: _rows(rt)[0].state == "paid", timeout=15, message="paid through the HTTP webhook")
        assert len(outbox_events(rt, "fee.paid")) == 1
    finally:
        server.shutdown()
        rt.stop()
