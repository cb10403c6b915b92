"""The service on SQLite + memory bus: consumer, mailroom pages, CSV import, lookup, deadlines."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa
from card_delivery_testkit import Mailroom, decision_payload, deliver_decision, lookup, only_case, printed_until
from pypdf import PdfReader

from card_delivery.adapters import officers, repository
from card_delivery.adapters.pdf import reference as pdf_reference
from card_delivery.application.deadlines import check_deadlines
from card_delivery.domain.case import State
from zairyu_shared import metrics as shared_metrics
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing import staged_events


def staged(runtime, event_type=None):
    """The envelopes of one type staged in the outbox, or the types of all of them, oldest first."""
    events = staged_events(runtime, event_type)
    return events if event_type else [e["type"] for e in events]


# -- consumer --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        dict(outcome="refused"),
        dict(procedure="coe"),
        dict(procedure="coe", delivery_method="email"),
        dict(procedure="employment_certificate", delivery_method="pdf"),
        dict(procedure="coe", outcome="refused", delivery_method="post"),
    ],
)
def test_decisions_with_nothing_to_post_open_nothing(runtime, change):
    method = change.pop("delivery_method", None)
    deliver_decision(runtime, {**decision_payload(**change), **({"delivery_method": method} if method else {})})
    with runtime.session_factory() as session:
        assert not any(repository.count_by_state(session).values())
    assert staged(runtime) == []


@pytest.mark.parametrize(("procedure", "kind", "japanese"), [("coe", "coe", "在留資格認定証明書（書面）")])
def test_a_paper_document_by_post_goes_through_the_mailroom_without_a_card(
    app, runtime, mailroom, procedure, kind, japanese
):
    """Issue 17: a COE chosen on paper by post reached no mailroom (the bureau's usual mail). It is free: ready
    at once (the employment certificate's fee: the next test)."""
    payload = {
        **decision_payload(procedure=procedure, old_card=None, fee_yen=0, certificate="大阪府大阪市北区梅田1-1"),
        "delivery_method": "post",
        "card_by_mail": False,  # review's flag is about cards; a document by post is posted all the same
    }
    deliver_decision(runtime, payload)
    case = only_case(runtime)
    assert case.state is State.DOCUMENT_READY and case.kind == kind and case.old_card_number is None
    assert staged(runtime) == []  # no address comparison: the document goes where the filer signed
    listing = mailroom.get("/mailroom/?state=document_ready").get_data(as_text=True)
    assert "NGUYEN VAN AN" in listing
    url = f"/mailroom/cases/{case.delivery_id}"
    page = mailroom.get(url).get_data(as_text=True)
    assert f"{url}/label.pdf" in page and f"{url}/dispatch" in page
    assert f"{url}/issue" not in page and f"{url}/envelope" not in page and "Old card number" not in page
    ja = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert japanese in ja and "宛名ラベルを印刷" in ja
    # The procedure by its name, not the contract's code ("coe" was shown), on the case and in the list.
    listed = mailroom.get("/mailroom/?state=document_ready", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    for shown in (ja, listed):
        assert "<dd>在留資格認定証明書交付申請</dd>" in shown or "<td>在留資格認定証明書交付申請" in shown
        assert ">coe<" not in shown and "<td>coe" not in shown
    # Japanese brackets in Japanese: "(在留資格認定証明書（書面）)" mixed an ASCII pair around a full-width one.
    assert "<td>在留資格認定証明書交付申請（在留資格認定証明書（書面））</td>" in listed
    label = mailroom.get(f"{url}/label.pdf")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(label.data)).pages)
    assert "西新宿" in text and "NGUYEN VAN AN" in text
    # Neither a card number nor an old card's cancellation: those steps are refused.
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 409
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302
    posted = only_case(runtime)
    assert posted.state is State.DISPATCHED and posted.card_number is None
    assert staged(runtime, "card.dispatched") == [] and staged(runtime, "card.issued") == []
    [event] = staged(runtime, "document.dispatched")
    assert event["payload"]["kind"] == kind and event["payload"]["tracking_number"] == posted.tracking_number
    assert event["payload"]["application_id"] == "app-1"
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cards")).scalar() == 0


def test_a_paper_employment_certificate_waits_in_the_mailroom_for_its_fee_slip(app, runtime, mailroom):
    """The certificate (¥1,600 filed online) was posted on approval with its fee never collected: it now
    waits for the envelope with the stamped fee slip and the return envelope, and asks for no old card."""
    payload = {
        **decision_payload(procedure="employment_certificate", old_card=None, fee_yen=1600),
        "delivery_method": "post",
        "card_by_mail": False,
    }
    deliver_decision(runtime, payload)
    case = only_case(runtime)
    assert case.state is State.AWAITING_ENVELOPE and case.kind == "employment_certificate"
    url = f"/mailroom/cases/{case.delivery_id}"
    page = mailroom.get(url).get_data(as_text=True)
    assert f"{url}/envelope" in page and f"{url}/dispatch" not in page and f"{url}/label.pdf" not in page
    assert 'name="fee_yen"' in page and 'name="old_card_number"' not in page
    ja = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "就労資格証明書（書面）" in ja and "封筒の受付" in ja
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 409
    refused = mailroom.post(f"{url}/envelope", {"fee_yen": "1200"})
    assert refused.status_code == 422 and "¥1,600" in refused.get_data(as_text=True)
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "1600"}).status_code == 302
    ready = only_case(runtime)
    assert ready.state is State.DOCUMENT_READY and ready.fee_paid_yen == 1600
    [received] = staged(runtime, "card.envelope_received")
    assert received["payload"]["application_id"] == "app-1"
    assert f"{url}/label.pdf" in mailroom.get(url).get_data(as_text=True)
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302
    assert only_case(runtime).state is State.DISPATCHED and len(staged(runtime, "document.dispatched")) == 1


def test_the_applicant_who_chose_the_counter_collects_the_card_there(app, runtime, mailroom):
    deliver_decision(runtime, decision_payload(card_by_mail=False, certificate="大阪府大阪市北区梅田1-1"))
    case = only_case(runtime)
    assert case.state is State.AWAITING_VISIT and staged(runtime) == []  # nothing mailed: no address flag
    assert "NGUYEN VAN AN" in mailroom.get("/mailroom/?state=awaiting_visit").get_data(as_text=True)
    url = f"/mailroom/cases/{case.delivery_id}"
    page = mailroom.get(url).get_data(as_text=True)
    assert f"{url}/collect" in page and f"{url}/envelope" not in page and f"{url}/dispatch" not in page
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 409
    refused = mailroom.post(f"{url}/collect", {"fee_yen": "5500", "old_card_number": "AB12345678CE"})
    assert refused.status_code == 422 and "does not match" in refused.get_data(as_text=True)
    assert mailroom.post(f"{url}/collect", {"fee_yen": "5500", "old_card_number": "ab12345678cd"}).status_code == 302
    done = only_case(runtime)
    assert done.state is State.COLLECTED and done.card_number
    public = app.test_client()
    assert lookup(public, done.card_number) == "valid" and lookup(public, "AB12345678CD") == "invalid"
    [collected] = staged(runtime, "card.collected")
    assert collected["payload"]["card_number"] == done.card_number
    assert collected["payload"]["old_card_number"] == "AB12345678CD"
    assert mailroom.post(f"{url}/collect", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 409


def test_approved_mail_decision_opens_one_case_with_personal_data_encrypted(runtime):
    deliver_decision(runtime, decision_payload())
    deliver_decision(runtime, decision_payload())  # a second decision event for the same application
    case = only_case(runtime)
    assert case.state is State.AWAITING_ENVELOPE and case.fee_yen == 5500 and not case.address_mismatch
    assert case.old_card_number == "AB12345678CD"
    with runtime.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT name, mailing_address FROM delivery_cases")).one()
    assert b"NGUYEN" not in bytes(raw[0]) and "西新宿".encode() not in bytes(raw[1])
    assert staged(runtime) == []  # addresses agree after normalisation: nothing to flag


def test_address_mismatch_is_published_at_opening(runtime):
    deliver_decision(runtime, decision_payload(certificate="大阪府大阪市北区梅田1-1"))
    [event] = staged(runtime, "card.address_mismatch")
    assert event["payload"]["application_id"] == "app-1" and "differ" in event["payload"]["detail"]
    assert "大阪" not in json.dumps(event, ensure_ascii=False)


def test_card_by_mail_without_delivery_instructions_fails_loudly(runtime):
    payload = decision_payload()
    payload["delivery"] = None
    with pytest.raises(ValueError, match="no delivery instructions"):
        deliver_decision(runtime, payload)


# -- mailroom ----------------------------------------------------------------------------------
def test_mailroom_requires_sign_in(app):
    client = app.test_client()
    for path in (
        "/mailroom/",
        "/mailroom/dispatch",
        "/mailroom/carrier-import",
        "/mailroom/dispatch/batch/1/labels.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/mailroom/sign-in" in response.headers["Location"]


def test_sign_in_needs_password_and_a_fresh_totp_code(app, runtime):
    with transaction(runtime.session_factory) as session:
        created = officers.create(session, "ito", "Ito")
    browser = Mailroom(app.test_client())
    code = pyotp.TOTP(created.totp_secret).now()
    wrong = browser.post("/mailroom/sign-in", {"username": "ito", "password": "nope", "code": code})
    assert wrong.status_code == 401 and "Sign-in failed" in wrong.get_data(as_text=True)
    ok = browser.post("/mailroom/sign-in", {"username": "ito", "password": created.password, "code": code})
    assert ok.status_code == 302
    assert browser.get("/mailroom/").status_code == 200
    browser.post("/mailroom/sign-out")
    assert browser.get("/mailroom/").status_code == 302
    replay = browser.post("/mailroom/sign-in", {"username": "ito", "password": created.password, "code": code})
    assert replay.status_code == 401  # the same code cannot be used twice
    with runtime.session_factory() as session:
        assert session.execute(sa.text("SELECT password_hash FROM officers")).scalar().startswith("$argon2id$")


def test_forms_without_the_csrf_token_are_refused(app, runtime, mailroom):
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    response = mailroom.client.post(
        f"/mailroom/cases/{case.delivery_id}/envelope", data={"fee_yen": "5500", "old_card_number": "AB12345678CD"}
    )
    assert response.status_code == 400
    assert only_case(runtime).state is State.AWAITING_ENVELOPE


def transitions(state):
    from card_delivery.adapters.metrics import TRANSITIONS

    return TRANSITIONS.labels(state)._value.get()


def test_mailroom_walk_to_delivery_invalidates_the_old_number_in_the_public_lookup(app, runtime, mailroom):
    before = {s: transitions(s) for s in ("awaiting_envelope", "envelope_received", "delivered")}
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    public = app.test_client()
    assert lookup(public, "AB12345678CD") == "valid"
    page = mailroom.get("/mailroom/?state=awaiting_envelope").get_data(as_text=True)
    assert "NGUYEN VAN AN" in page

    url = f"/mailroom/cases/{case.delivery_id}"
    rejected = mailroom.post(f"{url}/envelope", {"fee_yen": "6000", "old_card_number": "AB12345678CD"})
    assert rejected.status_code == 422 and "differs from the fee due" in rejected.get_data(as_text=True)
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "ab12345678cd"}).status_code == 302
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 409

    page = mailroom.get(url).get_data(as_text=True)  # the issue form shows what is about to happen
    summary = page[page.index('class="facts confirm-summary"') :]
    assert "NGUYEN VAN AN" in summary and "AB12345678CD" in summary and 'name="confirm"' in summary
    unconfirmed = mailroom.post(f"{url}/issue")  # one click is no longer enough (issue 18)
    assert unconfirmed.status_code == 422 and "becomes invalid at once" in unconfirmed.get_data(as_text=True)
    assert only_case(runtime).state is State.ENVELOPE_RECEIVED and lookup(public, "AB12345678CD") == "valid"
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
    issued = only_case(runtime)
    assert issued.state is State.CARD_ISSUED
    assert lookup(public, issued.card_number) == "valid"
    assert lookup(public, "AB12345678CD") == "invalid"
    assert lookup(public, "ZZ00000000ZZ") == "unknown"

    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "12-34"}).status_code == 422
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302
    assert mailroom.post(f"{url}/delivered").status_code == 302
    assert only_case(runtime).state is State.DELIVERED
    assert staged(runtime) == ["card.envelope_received", "card.issued", "card.dispatched", "card.delivered"]
    # one each: the refused envelope attempts count nothing
    assert {s: transitions(s) - n for s, n in before.items()} == {
        "awaiting_envelope": 1,
        "envelope_received": 1,
        "delivered": 1,
    }
    [issued_event] = staged(runtime, "card.issued")
    assert issued_event["payload"]["old_card_number"] == "AB12345678CD"
    history = mailroom.get(url).get_data(as_text=True)
    assert "Envelope received: Awaiting envelope → Envelope received (clerk)" in history


def test_public_lookup_answers_nothing_but_the_status(app, runtime):
    deliver_decision(runtime, decision_payload())
    client = app.test_client()
    printed = printed_until(client, "AB12345678CD")
    response = client.get(f"/public/card-status?number=AB12345678CD&valid_until={printed}")
    assert response.get_json() == {"number": "AB12345678CD", "status": "valid"}
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/public/card-status?number=AB123").status_code == 400
    page = client.get(
        f"/public/card-check?number=AB12345678CD&valid_until={printed}", headers={"Accept-Language": "ja"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "NGUYEN" not in html and "result-valid" in html
    assert "Content-Security-Policy" in page.headers


def test_public_lookup_is_rate_limited(tmp_path):
    from card_delivery_testkit import make_runtime

    from card_delivery.entrypoints.service import definition

    rt = make_runtime(f"sqlite:///{tmp_path}/rl.db", f"memory://{tmp_path.name}rl", lookup_rate_limit="3 per minute")
    try:
        client = definition.create_app(rt).test_client()
        codes = [
            client.get("/public/card-status?number=AB12345678CD&valid_until=2030-01-01").status_code for _ in range(3)
        ]
        codes.append(
            client.get("/public/card-check?number=AB12345678CD&valid_until=2030-01-01").status_code
        )  # same budget
        assert codes == [200, 200, 200, 429]
        assert (
            client.get("/public/card-status?number=AB12345678CD&valid_until=2030-01-01").get_json()["error"]
            == "rate_limited"
        )
        # the page says so in the visitor's language (it was English in every language but Japanese)
        vi = client.get("/public/card-check?lang=vi&number=AB12345678CD&valid_until=2030-01-01")
        assert vi.status_code == 429 and "Quá nhiều yêu cầu" in vi.get_data(as_text=True)
        ne = client.get("/public/card-check?lang=ne&number=AB12345678CD&valid_until=2030-01-01").get_data(as_text=True)
        assert "धेरै अनुरोधहरू" in ne and "Too many requests" not in ne
    finally:
        rt.stop()


@pytest.mark.parametrize("hops,expected", [(0, [200, 200, 429]), (1, [200, 200, 200])])
def test_rate_limit_is_per_client_behind_the_ingress_and_not_spoofable_without_it(tmp_path, hops, expected):
    from card_delivery_testkit import make_runtime

    from card_delivery.entrypoints.service import definition

    rt = make_runtime(
        f"sqlite:///{tmp_path}/rl.db", f"memory://{tmp_path.name}px", lookup_rate_limit="2 per minute", proxy_hops=hops
    )
    try:
        client = definition.create_app(rt).test_client()
        codes = [
            client.get(
                "/public/card-status?number=AB12345678CD&valid_until=2030-01-01",
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in (1, 1, 2)
        ]
        assert codes == expected
    finally:
        rt.stop()


def test_flagged_address_waits_for_the_officer_decision(app, runtime, mailroom):
    deliver_decision(runtime, decision_payload(certificate="大阪府大阪市北区梅田1-1"))
    case = only_case(runtime)
    url = f"/mailroom/cases/{case.delivery_id}"
    mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"})
    mailroom.post(f"{url}/issue", {"confirm": "y"})
    assert only_case(runtime).state is State.ADDRESS_FLAGGED
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "123456789012"}).status_code == 409
    assert "officer decision needed" in mailroom.get(url).get_data(as_text=True)
    missing_note = mailroom.post(f"{url}/address", {"decision": "mail_certificate"})
    assert missing_note.status_code == 422
    assert (
        mailroom.post(
            f"{url}/address", {"decision": "mail_certificate", "note": "applicant moved; certificate is current"}
        ).status_code
        == 302
    )
    decided = only_case(runtime)
    assert decided.state is State.CARD_ISSUED and decided.mailing_address == "大阪府大阪市北区梅田1-1"
    assert mailroom.post(f"{url}/dispatch", {"tracking_number": "123456789012"}).status_code == 302


def issue_many(runtime, mailroom, n):
    ids = []
    for i in range(n):
        deliver_decision(runtime, decision_payload(f"app-{i}", old_card=f"AB{i:08d}CD"))
        case = only_case(runtime, f"app-{i}")
        mailroom.post(
            f"/mailroom/cases/{case.delivery_id}/envelope", {"fee_yen": "5500", "old_card_number": f"AB{i:08d}CD"}
        )
        assert mailroom.post(f"/mailroom/cases/{case.delivery_id}/issue", {"confirm": "y"}).status_code == 302
        ids.append(case.delivery_id)
    return ids


def test_dispatch_batches_print_lists_and_labels_and_scanning_dispatches_in_label_order(app, runtime, mailroom):
    ids = issue_many(runtime, mailroom, 3)
    page = mailroom.get("/mailroom/dispatch").get_data(as_text=True)
    assert "3" in page and "/mailroom/dispatch/batch/1/labels.pdf" in page
    listing = mailroom.get("/mailroom/dispatch/batch/1/list.pdf")
    assert listing.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(listing.data)).pages[0].extract_text()
    assert "batch 1" in text and "3 cards" in text
    labels = PdfReader(io.BytesIO(mailroom.get("/mailroom/dispatch/batch/1/labels.pdf").data))
    assert len(labels.pages) == 1
    label_text = labels.pages[0].extract_text()
    assert all(pdf_reference(d) in label_text for d in ids)

    # a card picked out of order by scanning its label's reference
    picked = mailroom.get(f"/mailroom/dispatch/scan?ref={pdf_reference(ids[2]).lower()}").get_data(as_text=True)
    assert f'value="{ids[2]}"' in picked
    for i, expected in enumerate(ids):
        form = mailroom.get("/mailroom/dispatch/scan").get_data(as_text=True)
        assert f'value="{expected}"' in form and "autofocus" in form
        done = mailroom.post(
            "/mailroom/dispatch/scan", {"delivery_id": expected, "tracking_number": f"A12345678901{i}A"}
        )
        assert done.status_code == 302
    with runtime.session_factory() as session:
        assert [repository.get(session, d).tracking_number for d in ids] == [f"12345678901{i}" for i in range(3)]
    assert "No cards are waiting" in mailroom.get("/mailroom/dispatch/scan").get_data(as_text=True)
    assert mailroom.get(f"/mailroom/dispatch/scan?ref={pdf_reference(ids[0])}").status_code == 422  # already gone
    bad = mailroom.post("/mailroom/dispatch/scan", {"delivery_id": ids[0], "tracking_number": "999999999999"})
    assert bad.status_code == 422 and "cannot dispatch while the case is dispatched" in bad.get_data(as_text=True)


def test_carrier_csv_applies_good_rows_and_reports_each_bad_one(app, runtime, mailroom):
    ids = issue_many(runtime, mailroom, 2)
    for i, delivery_id in enumerate(ids):
        mailroom.post(f"/mailroom/cases/{delivery_id}/dispatch", {"tracking_number": f"55550000000{i}"})
    csv_text = (
        "tracking_number,status,timestamp,reason\n"
        "555500000000,delivered,2026-11-20T14:03:00+09:00,\n"
        "555500000001,returned,2026-11-20T15:00:00+09:00,addressee unknown\n"
        "555500000009,delivered,2026-11-20T15:00:00+09:00,\n"
        "555500000000,returned,2026-11-21T15:00:00+09:00,\n"
        "bad,gone,never,\n"
    )
    response = mailroom.post(
        "/mailroom/carrier-import",
        {"file": (io.BytesIO(csv_text.encode()), "statuses.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 rows applied, 0 already recorded" in html
    assert "Line 4: no card was dispatched with tracking number 555500000009" in html
    assert "Line 5: cannot record return while the case is delivered" in html
    assert re.search(r"Line 6: tracking number &#39;bad&#39; is not 11–13 digits", html)
    with runtime.session_factory() as session:
        first, second = (repository.get(session, d) for d in ids)
    assert first.state is State.DELIVERED and first.state_since == datetime(2026, 11, 20, 5, 3, tzinfo=UTC)
    assert second.state is State.RETURNED and second.return_reason == "addressee unknown"
    again = mailroom.post(
        "/mailroom/carrier-import",
        {
            "file": (
                io.BytesIO(csv_text.splitlines()[0].encode() + b"\n" + csv_text.splitlines()[1].encode()),
                "again.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 200 and "0 rows applied, 1 already recorded" in again.get_data(as_text=True)
    # the returned card goes out again, or waits at the counter
    url = f"/mailroom/cases/{ids[1]}"
    assert mailroom.post(f"{url}/counter").status_code == 302
    [returned] = staged(runtime, "card.returned")
    # Words no return slip uses keep no code: the applicant's mail quotes them (a slip's: test_return_reasons.py)
    assert (returned["version"], returned["payload"]["reason"]) == (2, "addressee unknown")
    assert returned["payload"]["reason_code"] is None


def test_pages_come_in_japanese_and_english(app, runtime, mailroom):
    ja = mailroom.get("/mailroom/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    en = mailroom.get("/mailroom/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "封筒待ち" in ja and "Awaiting envelope" in en
    mailroom.post("/language", {"lang": "en", "next": "/mailroom/"})
    assert "Awaiting envelope" in mailroom.get("/mailroom/", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def test_stall_limits_are_the_stall_days_setting(tmp_path):
    """ZAIRYU_CARD_STALL_DAYS: awaiting_envelope at 0 days counts a case opened a minute ago stalled, the default
    (30 days) does not; a state left out keeps its default; an unknown state or a bad number stops the service."""
    from card_delivery_testkit import make_runtime

    from card_delivery.settings import CardDeliverySettings
    from zairyu_shared.config import ConfigError, load

    now = datetime.now(UTC)
    for n, (days, stalled) in enumerate((((), 0), (("awaiting_envelope=0",), 1))):
        rt = make_runtime(f"sqlite:///{tmp_path}/cd{n}.db", f"memory://{tmp_path.name}-{n}", stall_days=days)
        try:
            deliver_decision(rt, decision_payload(f"app-{n}", decided_at=now, old_card="AB00000001CD"))
            gauges = check_deadlines(rt, now + timedelta(minutes=1))
            assert gauges["stalled"]["awaiting_envelope"] == stalled
        finally:
            rt.stop()
    environ = {"DATABASE_URL": "sqlite://", "ZAIRYU_EMBEDDED": "true"}
    limits = load(CardDeliverySettings, {**environ, "ZAIRYU_CARD_STALL_DAYS": "returned=1"}).stall_limits()
    assert limits[State.RETURNED] == timedelta(days=1) and limits[State.DISPATCHED] == timedelta(days=10)
    for bad in ("lost=3", "returned=soon"):
        with pytest.raises(ConfigError, match="ZAIRYU_CARD_STALL_DAYS"):
            load(CardDeliverySettings, {**environ, "ZAIRYU_CARD_STALL_DAYS": bad})


def test_envelope_reminder_is_published_once_per_case_and_gauges_count_stalls(runtime):
    now = datetime.now(UTC)
    deliver_decision(runtime, decision_payload("old", decided_at=now - timedelta(days=15), old_card="AB00000001CD"))
    deliver_decision(runtime, decision_payload("young", decided_at=now - timedelta(days=3), old_card="AB00000002CD"))
    first = check_deadlines(runtime, now)
    second = check_deadlines(runtime, now + timedelta(hours=1))
    assert (first["reminded"], second["reminded"]) == (1, 0)
    [event] = staged(runtime, "card.envelope_overdue")
    assert event["payload"]["application_id"] == "old" and event["payload"]["days_waiting"] == 15
    later = check_deadlines(runtime, now + timedelta(days=16))
    assert later["reminded"] == 1  # the young case's turn, once
    assert later["total"]["awaiting_envelope"] == 2
    assert later["stalled"]["awaiting_envelope"] == 1  # 31 days > 30-day threshold
    body = shared_metrics.render()[0].decode()
    assert 'zairyu_card_deliveries_stalled{state="awaiting_envelope"} 1.0' in body
    assert 'zairyu_card_deliveries{state="awaiting_envelope"} 2.0' in body


def test_check_deadlines_cli(runtime, monkeypatch, capsys):
    from card_delivery.entrypoints import cli

    deliver_decision(runtime, decision_payload(decided_at=datetime.now(UTC) - timedelta(days=20)))
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("AMQP_URL", runtime.settings.amqp_url)
    monkeypatch.setenv("ZAIRYU_EMBEDDED", "true")
    monkeypatch.setenv("ZAIRYU_DATA_KEYS", runtime.settings.data_keys[0])
    assert cli.main(["check-deadlines"]) == 0
    assert json.loads(capsys.readouterr().out)["reminded"] == 1
    assert staged(runtime).count("card.envelope_overdue") == 1


def test_seed_demo_prints_the_officer_secrets_once(runtime, capsys):
    from card_delivery.entrypoints.seed import seed_demo

    seed_demo(runtime)
    out = capsys.readouterr().out
    assert "password" in out and "otpauth://totp/" in out
    seed_demo(runtime)
    assert "already exists" in capsys.readouterr().out


def test_sign_in_attempts_are_rate_limited(tmp_path):
    from card_delivery_testkit import make_runtime

    from card_delivery.entrypoints.service import definition

    rt = make_runtime(f"sqlite:///{tmp_path}/rl.db", f"memory://{tmp_path.name}login", login_rate_limit="2 per minute")
    try:
        browser = Mailroom(definition.create_app(rt).test_client())
        codes = [
            browser.post("/mailroom/sign-in", {"username": "x", "password": "y", "code": "123456"}).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 429]
        assert browser.get("/mailroom/sign-in").status_code == 200  # the page itself stays reachable
    finally:
        rt.stop()


def test_consume_process_runs_the_deadline_check_periodically(runtime):
    import threading

    from card_delivery.entrypoints.deadlines import deadline_worker
    from card_delivery.entrypoints.service import definition
    from zairyu_shared.testing import wait_until

    assert deadline_worker in definition.workers  # what `consume` (and the embedded run) starts
    deliver_decision(runtime, decision_payload(decided_at=datetime.now(UTC) - timedelta(days=14, minutes=1)))
    stop = threading.Event()
    threads = deadline_worker(runtime, stop)
    try:
        wait_until(lambda: "card.envelope_overdue" in staged(runtime), message="the reminder staged")
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def test_create_officer_cli_prints_secrets_that_sign_in(app, runtime, monkeypatch, capsys):
    from card_delivery.entrypoints import cli

    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ZAIRYU_EMBEDDED", "true")
    monkeypatch.setenv("ZAIRYU_DATA_KEYS", runtime.settings.data_keys[0])
    assert cli.main(["create-officer", "sato", "--display-name", "Sato Hanako"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"password\s+(\S+)", out).group(1)
    secret = re.search(r"TOTP secret\s+(\S+)", out).group(1)
    browser = Mailroom(app.test_client())
    response = browser.post(
        "/mailroom/sign-in", {"username": "sato", "password": password, "code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 302


def test_failures_lock_the_officer_for_a_while_or_until_reset_by_the_cli(app, runtime, monkeypatch, capsys):
    from card_delivery.adapters.officers import LOCK_AFTER_FAILURES
    from card_delivery.entrypoints import cli
    from zairyu_shared.credentials import POLICY

    with transaction(runtime.session_factory) as session:
        created = officers.create(session, "mori", "Mori")
    for _ in range(LOCK_AFTER_FAILURES):
        with transaction(runtime.session_factory) as session:
            assert officers.authenticate(session, "mori", "wrong", "000000") is None
    with transaction(runtime.session_factory) as session:  # right password and code, but locked
        assert officers.authenticate(session, "mori", created.password, pyotp.TOTP(created.totp_secret).now()) is None
    later = datetime.now(UTC) + POLICY.lock_for + timedelta(seconds=31)
    with transaction(runtime.session_factory) as session:
        # the lock ends by itself: a guesser cannot shut the mailroom out for good
        assert (
            officers.authenticate(
                session, "mori", created.password, pyotp.TOTP(created.totp_secret).at(later), now=later
            )
            is not None
        )
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ZAIRYU_EMBEDDED", "true")
    monkeypatch.setenv("ZAIRYU_DATA_KEYS", runtime.settings.data_keys[0])
    assert cli.main(["reset-officer", "mori"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"password\s+(\S+)", out).group(1)
    secret = re.search(r"TOTP secret\s+(\S+)", out).group(1)
    with transaction(runtime.session_factory) as session:
        assert officers.authenticate(session, "mori", password, pyotp.TOTP(secret).now()) is not None
    assert cli.main(["reset-officer", "nobody"]) == 1


def test_a_transition_rolled_back_is_neither_stored_nor_counted(runtime):
    before = transitions("awaiting_envelope")
    with pytest.raises(RuntimeError):
        with transaction(runtime.session_factory) as session:
            from card_delivery.application.opening import open_case

            open_case(
                runtime,
                session,
                new_event("application.decided", decision_payload(), source="review", correlation_id="app-1").data,
            )
            raise RuntimeError("the commit never happens")
    assert transitions("awaiting_envelope") == before
    deliver_decision(runtime, decision_payload())
    assert transitions("awaiting_envelope") == before + 1


@pytest.mark.parametrize("procedure", ["change", "extension", "acquisition"])
def test_the_specified_card_and_an_activity_permission_reach_the_mailroom(runtime, mailroom, procedure):
    deliver_decision(
        runtime,
        {
            **decision_payload(procedure=procedure),
            "delivery_method": "post",
            "specified_card": True,
            "bundled": ["activity_outside_status"],
            "outside_activity": {"hours_per_week": 20, "activity": "Kitchen help", "employer": None},
        },
    )
    case = only_case(runtime)
    assert case.specified_card and case.card_remarks == "許可：原則週20時間以内・風俗営業等の従事を除く"
    page = mailroom.get(f"/mailroom/cases/{case.delivery_id}").get_data(as_text=True)
    assert "specified residence card (also the My Number Card)" in page and "原則週20時間以内" in page


def test_a_plain_card_case_says_so(runtime, mailroom):
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    assert not case.specified_card and case.card_remarks is None
    page = mailroom.get(f"/mailroom/cases/{case.delivery_id}").get_data(as_text=True)
    assert "specified residence card" not in page and "原則週" not in page


def test_the_case_history_reads_in_japanese_and_in_japan_time(runtime, mailroom):
    """Issue 18: the mailroom's history showed the domain's action names and UTC times."""
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    url = f"/mailroom/cases/{case.delivery_id}"
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 302
    assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
    with transaction(runtime.session_factory) as s:
        steps = repository.history(s, case.delivery_id)
    page = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    history = page[page.index('<ol class="history">') :]
    assert "在留カード交付" in history and "封筒受付済み" in history  # the steps, named in Japanese
    # It starts with the case itself (it was empty until the envelope when the addresses matched).
    assert [h["action"] for h in steps][:1] == ["open"] and "案件登録" in history
    assert "issue_card" not in history and "receive_envelope" not in history and "card_issued" not in history
    issued = [h for h in steps if h["action"] == "issue_card"][0]["at"]
    at = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
    assert at.astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m-%d %H:%M") in history


def test_an_envelope_short_of_return_postage_is_held_and_the_applicant_told(runtime, mailroom):
    """Issue 18: an underpaid envelope was a dead end. The officer records the shortfall (Japanese page), the
    applicant is told how much to send (card.postage_shortfall), and the envelope is recorded once it arrives."""
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    url = f"/mailroom/cases/{case.delivery_id}"
    page = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "返信用郵便料金の不足" in page and "不足額を記録して申請人に通知" in page
    assert mailroom.post(f"{url}/shortfall", {"shortfall_yen": "0"}).status_code == 422
    assert mailroom.post(f"{url}/shortfall", {"shortfall_yen": "110"}).status_code == 302
    held = only_case(runtime)
    assert held.state is State.POSTAGE_SHORTFALL
    (told,) = staged(runtime, "card.postage_shortfall")
    assert told["version"] == 1 and told["payload"]["shortfall_yen"] == 110
    page = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "返信用郵便料金不足：申請人からの送付待ち" in page and "不足額 ¥110" in page
    assert mailroom.post(f"{url}/shortfall", {"shortfall_yen": "110"}).status_code == 409  # told once
    # the stamps arrived: the case goes on as any envelope
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 302
    assert only_case(runtime).state is State.ENVELOPE_RECEIVED


def test_the_mailroom_finds_a_case_by_the_receipt_number(runtime, mailroom):
    """Issue 18: people quote the bureau's receipt number (application.decided v4), not an internal id."""
    deliver_decision(runtime, {**decision_payload(), "receipt_number": "東オン-2026-000123"})
    case = only_case(runtime)
    assert case.receipt_number == "東オン-2026-000123"
    for query in ("東オン-2026-000123", " 東オン－２０２６－０００１２３ "):  # as printed, or typed full-width
        page = mailroom.get(f"/mailroom/?q={query}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
        assert f"/mailroom/cases/{case.delivery_id}" in page and "東オン-2026-000123" in page, query
    other = mailroom.get("/mailroom/?q=東オン-2026-000124").get_data(as_text=True)
    assert f"/mailroom/cases/{case.delivery_id}" not in other
    detail = mailroom.get(f"/mailroom/cases/{case.delivery_id}", headers={"Accept-Language": "ja"})
    assert '<dt>受付番号</dt><dd class="receipt-number">東オン-2026-000123</dd>' in detail.get_data(as_text=True)


def test_the_mailroom_finds_a_case_by_name_or_card_number_not_only_by_internal_id(runtime, mailroom):
    """Issue 18: a case could be reached only through its state list or an internal id."""
    deliver_decision(runtime, decision_payload())
    case = only_case(runtime)
    for query in (
        "nguyen van",
        "ｎｇｕｙｅｎ　ＶＡＮ ａｎ",
        "AB12345678CD",
        "ab12-3456-78cd",
        pdf_reference(case.delivery_id),
    ):
        page = mailroom.get(f"/mailroom/?q={query}").get_data(as_text=True)
        assert f"/mailroom/cases/{case.delivery_id}" in page, query
    none = mailroom.get("/mailroom/?q=SILVA").get_data(as_text=True)
    assert f"/mailroom/cases/{case.delivery_id}" not in none and "Nothing found." in none
