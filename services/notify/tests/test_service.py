"""Notify on SQLite + in-memory bus, mailing through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
import json
import threading

import samples
import sqlalchemy as sa
from notify_testkit import BUREAU_MAILBOX, deliver, parts

from notify.adapters import metrics, store
from notify.adapters.tables import notices
from notify.application.sending import Sender
from notify.domain import formatting
from notify.domain.notices import APPLICANT_TYPES
from notify.entrypoints import cli
from notify.entrypoints.sender import start_sender
from zairyu_shared.events.contracts import LANGUAGES
from zairyu_shared.testing import staged_events, wait_until


def rows(rt, **where):
    with rt.engine.connect() as conn:
        q = sa.select(notices)
        for k, v in where.items():
            q = q.where(notices.c[k] == v)
        return conn.execute(q.order_by(notices.c.created_at)).all()


def drain(sender, rt, rounds=50):
    """Run sender rounds until nothing is due (the test's sender runs inline, not as a thread)."""
    for _ in range(rounds):
        if sender.send_due() == 0:
            return


def counter(*labels):
    return metrics.NOTICES.labels(*labels)._value.get()


def test_redelivered_events_make_exactly_one_notice_per_channel(rt, smtp):
    deliver(rt, samples.registered())
    event = samples.received()
    for _ in range(3):
        deliver(rt, event)
    deliver(rt, event, event)  # twice in one batch too
    assert [(r.channel, r.notice_type) for r in rows(rt)] == [
        ("email", "application_received"),
        ("inbox", "application_received"),
    ]
    assert len(staged_events(rt, "notice.created")) == 1
    drain(Sender(rt), rt)
    assert len(smtp.inbox.messages) == 1


def test_notice_created_is_staged_for_intake_and_the_internal_api_serves_the_inbox(rt, smtp):
    deliver(rt, samples.registered(language="ja"), samples.submitted(language="ja"), samples.received())
    (created_submitted, created_received) = staged_events(rt, "notice.created")
    payload = created_received["payload"]
    assert payload["notice_type"] == "application_received" and payload["language"] == "ja"
    assert samples.RECEIPT in payload["subject"] and "申請中であることの証明" in payload["body_text"]
    assert created_received["causation_id"] is not None and created_received["source"] == "notify"
    drain(Sender(rt), rt)
    client = rt.definition.create_app(rt).test_client()
    got = client.get(f"/internal/v1/applicants/{samples.APPLICANT}/notices").get_json()
    assert [n["notice_type"] for n in got["notices"]] == ["application_received", "application_submitted"]
    assert got["notices"][0]["email"]["state"] == "sent" and got["notices"][0]["id"] == payload["notice_id"]
    assert client.get(f"/internal/v1/applicants/{samples.APPLICANT}/notices?limit=x").status_code == 400
    assert client.get("/internal/v1/applicants/nobody/notices").get_json()["notices"] == []


def test_personal_data_is_encrypted_at_rest(rt, smtp):
    deliver(rt, samples.registered(), samples.received())
    with rt.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT email, display_name FROM applicants")).one()
        body = conn.execute(sa.text("SELECT body_text FROM notices LIMIT 1")).scalar()
    assert samples.EMAIL.encode() not in bytes(raw[0]) and samples.NAME.encode() not in bytes(raw[1])
    assert samples.NAME.encode() not in bytes(body)


def _run_case(rt, lang, applicant, application):
    deliver(rt, samples.registered(applicant=applicant, language=lang, email=f"{applicant}@example.jp"))
    deliver(
        rt,
        *samples.all_notice_events(
            applicant=applicant, application=application, language=lang, email=f"{applicant}@example.jp"
        ),
    )


ADDRESSED = (
    "email_verification",
    "password_reset",
    "email_change",
    "email_changed",
    "staff_invitation",
    "stay_reminder",
    "sign_in_changed",  # to the address the account had when it changed
)


def test_every_notice_type_in_every_language_arrives_by_smtp_with_its_facts(rt, smtp):
    for lang in LANGUAGES:
        _run_case(rt, lang, f"ap-{lang}", f"case-{lang}")
    drain(Sender(rt), rt)
    mails = smtp.inbox.messages
    per_lang = len(APPLICANT_TYPES)
    assert len(mails) == len(LANGUAGES) * (per_lang + 1)  # + the officers' mail per case
    by_type = {}
    for m in mails:
        assert m["Auto-Submitted"] == "auto-generated"
        by_type.setdefault((m["To"], m["X-Zairyu-Notice-Type"]), []).append(m)
    for lang in LANGUAGES:
        # The samples end with a confirmed change of address: the mails still waiting for the directory's address
        # go to the new one; those the event addresses (links, the organisations', the change's own) where it says.
        to, was = f"new-ap-{lang}@example.jp", f"ap-{lang}@example.jp"
        for notice_type in APPLICANT_TYPES:
            (m,) = by_type[(was if notice_type in ADDRESSED else to, notice_type)]
            text, html = parts(m)
            assert m["Content-Language"] == lang.replace("_", "-")
            for part in (m["Subject"], text, html):
                assert "{{" not in part and "{%" not in part
            assert samples.NAME in text
            if notice_type in ("application_submitted", "signature_rejected"):  # before the receipt number
                assert samples.PROVISIONAL in text, (lang, notice_type)
            elif notice_type in ("staff_invitation", "stay_reminder"):  # to an organisation's staff (issue 21)
                assert "株式会社サンプル" in text, (lang, notice_type)
            elif notice_type not in (
                "email_verification",
                "password_reset",
                "email_change",
                "email_changed",
                "sign_in_changed",
            ):
                assert samples.RECEIPT in text, (lang, notice_type)
        received = parts(by_type[(to, "application_received")][0])[0]
        assert samples.RECEIPT in by_type[(to, "application_received")][0]["Subject"]
        assert formatting.long_date(samples.WHEN, lang) in received
        dispatched = by_type[(to, "card_dispatched")][0]
        assert samples.TRACKING in dispatched["Subject"] and samples.TRACKING in parts(dispatched)[0]
        requested = by_type[(to, "documents_requested")][0]
        assert formatting.long_date(samples.DEADLINE, lang) in requested["Subject"]
        assert formatting.yen(samples.FEE, lang) in parts(by_type[(to, "decision_approved")][0])[0]
    officers = [m for m in mails if m["To"] == BUREAU_MAILBOX]
    assert len(officers) == len(LANGUAGES) and all("追加資料" in m["Subject"] for m in officers)
    ids = smtp.inbox.by_message_id()
    assert len(ids) == len(mails)
    (sent_row,) = [r for r in rows(rt, notice_type="card_dispatched", channel="email") if r.applicant_id == "ap-vi"]
    assert f"<notice-{sent_row.id}@zairyu.example.jp>" in ids


def test_an_smtp_outage_delays_but_loses_nothing_and_sends_nothing_twice(rt, smtp):
    stop = threading.Event()
    _, threads = start_sender(rt, stop)
    try:
        smtp.stop()
        deliver(rt, samples.registered())
        events = [samples.received(application=f"c-{i}", receipt=f"TKY-2026-{i:06d}") for i in range(6)]
        deliver(rt, *events)
        wait_until(
            lambda: all(r.attempts >= 2 and r.state == "queued" for r in rows(rt, channel="email")),
            message="every mail retried during the outage",
        )
        assert smtp.inbox.messages == []
        assert all("no answer" in r.last_error for r in rows(rt, channel="email"))
        wait_until(lambda: metrics.RETRY_BACKLOG._value.get() == 6, message="retry backlog metric")
        smtp.start()
        wait_until(lambda: all(r.state == "sent" for r in rows(rt, channel="email")), message="all sent after restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    ids = smtp.inbox.by_message_id()
    assert len(smtp.inbox.messages) == 6 and all(len(v) == 1 for v in ids.values())
    assert sorted(m["Subject"].split()[2].rstrip(":") for m in smtp.inbox.messages) == sorted(
        f"TKY-2026-{i:06d}" for i in range(6)
    )


def test_transient_answers_are_retried_and_permanent_ones_recorded_for_ops(rt, smtp):
    deliver(
        rt,
        samples.registered(applicant="busy", email="busy@example.jp"),
        samples.registered(applicant="gone", email="gone@example.jp"),
    )
    smtp.inbox.reject["busy@example.jp"] = "451 4.3.0 Try again later"
    smtp.inbox.reject["gone@example.jp"] = "550 5.1.1 No such user"
    failed_before = counter("application_received", "en", "email", "failed")
    deliver(
        rt,
        samples.received(applicant="busy", application="c-busy"),
        samples.received(applicant="gone", application="c-gone"),
    )
    sender = Sender(rt)
    sender.send_due()
    busy = rows(rt, applicant_id="busy", channel="email")[0]
    gone = rows(rt, applicant_id="gone", channel="email")[0]
    assert (busy.state, busy.attempts) == ("queued", 1) and "451" in busy.last_error
    assert busy.next_attempt_at is not None
    assert gone.state == "failed" and "550" in gone.last_error
    assert counter("application_received", "en", "email", "failed") == failed_before + 1
    out = io.StringIO()
    assert cli.ops(["failures", "--json"], runtime=rt, out=out) == 0
    listed = json.loads(out.getvalue())
    assert [f["id"] for f in listed] == [gone.id] and listed[0]["address"] == "go***@example.jp"
    del smtp.inbox.reject["busy@example.jp"]
    wait_until(
        lambda: sender.send_due() == 0 and rows(rt, applicant_id="busy", channel="email")[0].state == "sent",
        message="busy mail sent on retry",
    )
    # Ops fixed the mailbox: requeue the failed one.
    del smtp.inbox.reject["gone@example.jp"]
    assert cli.ops(["requeue", gone.id], runtime=rt, out=io.StringIO()) == 0
    drain(sender, rt)
    assert rows(rt, applicant_id="gone", channel="email")[0].state == "sent"
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["busy@example.jp", "gone@example.jp"]


def test_bounces_are_recorded_by_endpoint_and_cli(rt, smtp):
    deliver(rt, samples.registered(), samples.received(), samples.decided())
    client = rt.definition.create_app(rt).test_client()
    queued = rows(rt, channel="email")[0]
    assert client.post(f"/internal/v1/notices/{queued.id}/bounce", json={"reason": "x"}).status_code == 409
    drain(Sender(rt), rt)
    first, second = rows(rt, channel="email")
    assert client.post(f"/internal/v1/notices/{first.id}/bounce", json={"reason": "mailbox full"}).status_code == 200
    message_id = f"<notice-{second.id}@zairyu.example.jp>"
    assert cli.ops(["bounce", message_id, "--reason", "5.1.1"], runtime=rt, out=io.StringIO()) == 0
    assert [r.state for r in rows(rt, channel="email")] == ["bounced", "bounced"]
    assert "mailbox full" in rows(rt, channel="email")[0].last_error
    assert client.post("/internal/v1/notices/nope/bounce", json={}).status_code == 404


def test_a_bureau_without_a_mailbox_is_a_visible_failure(make_rt, smtp):
    rt = make_rt(bureau_mailboxes=())
    deliver(rt, samples.registered(), samples.submitted())
    event = next(e for e in samples.all_notice_events() if e.type == "application.documents_submitted")
    deliver(rt, event)
    (officers,) = rows(rt, notice_type="documents_submitted")
    assert officers.state == "failed" and "ZAIRYU_BUREAU_MAILBOXES" in officers.last_error
    assert officers.recipient == "bureau:tokyo"


def test_a_notice_waits_for_the_applicants_address(rt, smtp):
    deliver(rt, samples.received())  # registration not seen yet
    sender = Sender(rt)
    sender.send_due()
    (mail,) = rows(rt, channel="email")
    assert mail.state == "queued" and "no e-mail address" in mail.last_error and mail.language == "ja+en"
    deliver(rt, samples.registered())
    wait_until(
        lambda: sender.send_due() == 0 and rows(rt, channel="email")[0].state == "sent",
        message="sent once the address is known",
    )
    assert smtp.inbox.messages[0]["To"] == samples.EMAIL


def test_a_late_older_contact_change_does_not_overwrite_a_newer_one(rt, smtp):
    from datetime import timedelta

    registered = samples.registered()
    newer = samples.contact_changed(language="ko", email="new@example.jp")
    older = samples.contact_changed(language="vi", email="old@example.jp")
    object.__setattr__(older, "occurred_at", newer.occurred_at - timedelta(seconds=1))
    object.__setattr__(registered, "occurred_at", newer.occurred_at - timedelta(hours=1))
    deliver(rt, registered, newer, older, samples.received())
    drain(Sender(rt), rt)
    (m,) = smtp.inbox.messages
    assert m["To"] == "new@example.jp" and m["Content-Language"] == "ko"


def test_ascii_and_international_addresses_both_arrive_whole(make_rt, smtp):
    """ASCII mail goes the fast (compat32) way, an address outside ASCII the SMTPUTF8 way: both
    arrive with the same headers and bodies, the Japanese subject and sender name decoded."""
    rt = make_rt(mail_from="在留申請 Zairyu <no-reply@zairyu.example>")
    deliver(
        rt,
        samples.registered(applicant="a-ascii", email="plain@example.jp", language="ja"),
        samples.registered(applicant="a-intl", email="ユーザー@例え.jp", language="ja"),
        samples.received(applicant="a-ascii", application="app-1"),
        samples.received(applicant="a-intl", application="app-2"),
    )
    drain(Sender(rt), rt)
    assert [r.state for r in rows(rt, channel="email")] == ["sent", "sent"]
    by_to = {m["To"]: m for m in smtp.inbox.messages}
    assert set(by_to) == {"plain@example.jp", "ユーザー@例え.jp"}
    plain, intl = by_to["plain@example.jp"], by_to["ユーザー@例え.jp"]
    for m in (plain, intl):
        assert m["From"] == "在留申請 Zairyu <no-reply@zairyu.example>"
        assert m["Subject"] == plain["Subject"] and not m["Subject"].isascii()
        assert m["Content-Language"] == "ja" and m["Auto-Submitted"] == "auto-generated"
        assert m["X-Zairyu-Notice-Type"] == "application_received" and m["Message-ID"].endswith("@zairyu.example>")
        text, html = parts(m)
        assert "受付番号" in text and "<" in html
    assert parts(plain)[0].replace("app-1", "") == parts(intl)[0].replace("app-2", "")


def test_a_crash_after_smtp_accepted_resends_with_the_same_message_id(make_rt, smtp, monkeypatch):
    """The residual duplicate risk, made visible: the relay took the mail, 'sent' never committed."""
    rt = make_rt(claim_lease_seconds=1)
    deliver(rt, samples.registered(), samples.received())
    real = store.record_sent

    def die(*a, **kw):
        raise RuntimeError("process killed before recording 'sent'")

    monkeypatch.setattr(store, "record_sent", die)
    sender = Sender(rt)
    try:
        sender.send_due()
    except RuntimeError:
        pass
    monkeypatch.setattr(store, "record_sent", real)
    assert rows(rt, channel="email")[0].state == "sending"
    reclaimed = metrics.RECLAIMED._value.get()
    wait_until(lambda: sender.send_due() == 1, message="claim taken over after its lease", timeout=10, interval=0.1)
    assert rows(rt, channel="email")[0].state == "sent"
    assert metrics.RECLAIMED._value.get() == reclaimed + 1
    (mid,) = smtp.inbox.by_message_id()
    assert len(smtp.inbox.messages) == 2  # sent twice, recognisably the same mail


class FakeClock:
    def __init__(self):
        self.t = 0.0
        self.waits = []

    def __call__(self):
        return self.t

    def wait(self, seconds):  # the stop event's wait: time passes, no stop
        self.waits.append(seconds)
        self.t += seconds
        return False


def test_claims_given_back_at_shutdown_are_not_counted_as_attempts(make_rt, smtp):
    """Stopping while the rate limit holds mails back releases their claims: queued again, no attempt spent."""
    rt = make_rt(send_rate=0.01, send_burst=1)
    deliver(rt, samples.registered())
    deliver(rt, *[samples.received(application=f"s-{i}", receipt=f"TKY-2026-{i:06d}") for i in range(3)])
    stop = threading.Event()
    stop.set()  # already stopping: the first mail goes (the burst), the rest are handed back
    assert Sender(rt).send_due(stop) == 1
    mails = rows(rt, channel="email")
    assert sorted((r.state, r.attempts) for r in mails) == [("queued", 0), ("queued", 0), ("sent", 1)]
    assert all(r.claim_token is None for r in mails) and len(smtp.inbox.messages) == 1


def test_the_sender_keeps_to_the_rate_limit(make_rt, smtp):
    rt = make_rt(send_rate=20.0, send_burst=2)
    deliver(rt, samples.registered())
    deliver(rt, *[samples.received(application=f"r-{i}", receipt=f"TKY-2026-{i:06d}") for i in range(8)])
    clock = FakeClock()
    sender = Sender(rt, clock=clock)
    assert sender.send_due(stop=clock) == 8
    assert len(smtp.inbox.messages) == 8
    # Two go at once (the burst), the other six at 20/s: 0.3 s of waiting in all.
    assert clock.t == __import__("pytest").approx(0.3)
    assert len(clock.waits) == 6


def test_the_embedded_run_drops_mails_as_files_sent_from_the_web_process(make_rt, tmp_path):
    from email import message_from_bytes, policy

    from notify.entrypoints.service import demo_environment
    from notify.settings import NotifySettings
    from zairyu_shared import config

    env = demo_environment(tmp_path)
    assert config.load(NotifySettings, {**env, "DATABASE_URL": "sqlite://", "ZAIRYU_EMBEDDED": "true"}).sender_with_web
    rt = make_rt(mail_drop=env["ZAIRYU_NOTIFY_MAIL_DROP"], sender_with_web=True)
    rt.definition.create_app(rt)  # starts the sender (the embedded supervisor has no consume process)
    deliver(rt, samples.registered(), samples.received())
    drop = tmp_path / "mail"
    files = wait_until(lambda: list(drop.glob("*.eml")), message="a mail file")
    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert samples.RECEIPT in msg["Subject"] and msg["To"] == samples.EMAIL
    wait_until(lambda: rows(rt, channel="email")[0].state == "sent", message="recorded as sent")
    rt.stop_event.set()


def test_a_database_blip_after_smtp_accepted_is_ridden_out_without_a_resend(rt, smtp, monkeypatch):
    from sqlalchemy.exc import OperationalError

    deliver(rt, samples.registered(), samples.received())
    real, calls = store.record_sent, []

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE notices", {}, Exception("server closed the connection"))
        return real(*a, **kw)

    monkeypatch.setattr(store, "record_sent", flaky)
    Sender(rt).send_due()
    assert len(calls) == 3 and rows(rt, channel="email")[0].state == "sent"
    assert len(smtp.inbox.messages) == 1


def test_metrics_are_exposed(rt, smtp):
    from prometheus_client import generate_latest

    deliver(rt, samples.registered(), samples.received())
    sender = Sender(rt)
    sender.send_due()
    exposition = generate_latest().decode()
    for name in ("zairyu_notices_total", "zairyu_smtp_send_duration_seconds", "zairyu_notices_retry_backlog"):
        assert name in exposition
    assert 'zairyu_notices_total{channel="email",language="en",state="sent",type="application_received"}' in exposition
    assert 'zairyu_notices_total{channel="inbox",language="en",state="sent",type="application_received"}' in exposition


def test_the_internal_api_answers_bad_requests_with_json_errors(rt):
    client = rt.definition.create_app(rt).test_client()
    url = "/internal/v1/notices/nope/bounce"
    cases = {
        b"[1]": 400,
        b'"x"': 400,
        b"{": 400,
        b"[" * 10_000 + b"]" * 10_000: 400,
        b'{"reason": 5}': 400,
        b'{"reason": "full"}': 404,
        b"": 404,
    }
    for body, status in cases.items():
        r = client.post(url, data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == status and r.get_json()["error"], body[:20]
    assert client.post(url, data=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    big = client.post(url, data=b'{"reason": "' + b"a" * 100_000 + b'"}', headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and big.get_json()["error"]
    assert client.get("/internal/v1/nothing").get_json()["error"] == "not_found"
