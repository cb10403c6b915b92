"""Decision webhooks for the organisation's own software (issue 21), against a real HTTP receiver.

The consumer of review's events queues the delivery in its transaction (nothing is sent inside a request, and a
queued delivery outlives a restart: it is a row); the worker (intake-organisation-webhooks) sends it with an HMAC
over the timestamp and the body, retries with backoff for 24 hours, then gives up. The clock is frozen and moved.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from following_scenario import emit
from intake_testkit import EnglishClient, decide_organisation_use, make_runtime
from journey import sign_code
from test_organisation_filing import consenting_person, from_review, prepared_code
from test_organisation_people import PASSWORD, make_org, sign_in

from intake.adapters.organisation_tables import organisation_staff, webhook_deliveries
from intake.adapters.tables import applications
from intake.application import organisation_api, organisation_consent
from intake.application.organisations import Invalid
from intake.domain import webhooks
from intake.entrypoints.workers import organisation_webhooks
from zairyu_shared.db import transaction
from zairyu_shared.testing import wait_until

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)  # the roster rows' stays end 2027-02-01


class Receiver:
    """The organisation's endpoint: answers 500 to the first ``failures`` deliveries of each event id, then 204;
    keeps each event once (deduplicated by X-Zairyu-Event-Id, as the receiver is told to)."""

    def __init__(self, failures: int, redirect_to: str | None = None):
        self.failures, self.calls, self.accepted = failures, [], {}
        outer, lock = self, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["X-Zairyu-Event-Id"]
                with lock:
                    outer.calls.append((dict(self.headers), body))
                    tries = sum(1 for h, _ in outer.calls if h["X-Zairyu-Event-Id"] == event_id)
                    ok = tries > outer.failures
                    if ok:
                        outer.accepted.setdefault(event_id, (dict(self.headers), body))
                self.send_response(204 if ok else 302 if redirect_to else 500)
                if redirect_to and not ok:
                    self.send_header("Location", redirect_to)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(failures, redirect_to=None):
        made.append(Receiver(failures, redirect_to))
        return made[-1]

    yield make
    for r in made:
        r.close()


def webhooks_token(rt, org_id, email="admin@sample.example") -> str:
    with rt.engine.connect() as conn:
        totp = conn.execute(
            sa.select(organisation_staff.c.totp_secret).where(organisation_staff.c.organisation_id == org_id)
        ).scalar()
    with transaction(rt.session_factory) as session:
        return organisation_api.issue_token(rt, session, email, PASSWORD, pyotp.TOTP(totp).now(), ["webhooks"])[0]


def name_webhook(client, rt, org_id, url) -> str:
    """A token scoped to webhooks names the endpoint; the answer carries the signing secret."""
    token = webhooks_token(rt, org_id)
    r = client.put("/org/api/v1/webhook", json={"url": url}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    return r.json["secret"]


def deliveries(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(webhook_deliveries).order_by(webhook_deliveries.c.created_at)).all()


def run_worker_at(rt, traveller, at) -> int:
    """One pass of the consume process's webhook worker with the clock at ``at``: how many were delivered."""
    traveller.move_to(at)
    return organisation_webhooks(rt)


def test_a_decision_on_an_application_the_organisation_filed_reaches_its_webhook_once(app, rt, receiver_factory):
    receiver = receiver_factory(failures=2)
    with time_machine.travel(TODAY, tick=False) as traveller:
        org = app.test_client()
        org_id, _secret = make_org(org, rt)
        sign_in(org, "admin@sample.example", _secret)
        org.org_id = org_id  # what the filing helpers expect
        traveller.shift(timedelta(seconds=31))  # the next TOTP step: the sign-in's code is spent
        hook_secret = name_webhook(org, rt, org_id, receiver.url)
        pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
        _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
        application_id = sign_code(org, code, "silva").json["application_id"]
        with rt.engine.connect() as conn:
            applicant_id = conn.execute(
                sa.select(applications.c.applicant_id).where(applications.c.id == application_id)
            ).scalar()
        start = datetime.now(UTC)
        decided = {
            "application_id": application_id,
            "applicant_id": applicant_id,
            "outcome": "approved",
            "granted_status": "engineer_humanities",
            "procedure": "extension",
            "bureau": "tokyo",
            "period_of_stay": "P3Y",
            "period_of_stay_expiry": "2030-02-01",
            "card_by_mail": False,
            "fee_yen": 4000,
            "explanation": "",
            "decided_at": start.isoformat(),
        }
        from_review(rt, "application.decided", decided)
        assert len(deliveries(rt)) == 1 and receiver.calls == []  # queued by the consumer, nothing sent yet
        event_id = deliveries(rt)[0].event_id

        assert run_worker_at(rt, traveller, start) == 0 and len(receiver.calls) == 1  # 500
        assert run_worker_at(rt, traveller, start + timedelta(seconds=59)) == 0 and len(receiver.calls) == 1  # not due
        assert run_worker_at(rt, traveller, start + timedelta(minutes=1)) == 0 and len(receiver.calls) == 2  # 500
        assert run_worker_at(rt, traveller, start + timedelta(minutes=2)) == 0 and len(receiver.calls) == 2  # backoff
        assert run_worker_at(rt, traveller, start + timedelta(minutes=3)) == 1 and len(receiver.calls) == 3  # 204
        assert run_worker_at(rt, traveller, start + timedelta(hours=2)) == 0 and len(receiver.calls) == 3  # once
        [row] = deliveries(rt)
        assert row.attempts == 3 and row.delivered_at is not None and row.given_up_at is None

        assert list(receiver.accepted) == [event_id]
        assert {h["X-Zairyu-Event-Id"] for h, _ in receiver.calls} == {event_id}  # retries carry the same id
        headers, body = receiver.accepted[event_id]
        sent_at = datetime.fromtimestamp(int(headers["X-Zairyu-Timestamp"]), UTC)
        assert sent_at == start + timedelta(minutes=3)
        assert webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body, sent_at)
        assert not webhooks.verify("another secret", headers["X-Zairyu-Signature"], body, sent_at)
        assert not webhooks.verify(
            hook_secret, headers["X-Zairyu-Signature"], body.replace(b"approved", b"refused"), sent_at
        )
        sent = json.loads(body)
        assert sent["id"] == event_id and sent["type"] == "application.decided"
        assert sent["data"]["application_id"] == application_id and sent["data"]["person_id"] == pid
        assert sent["data"]["outcome"] == "approved" and sent["data"]["period_of_stay"] == "P3Y"
        assert applicant_id not in body.decode()  # the person's account id stays inside intake

        # The bureau's document request goes the same way; after the person withdraws, nothing more is queued.
        request = {
            "application_id": application_id,
            "applicant_id": applicant_id,
            "request_id": "req-1",
            "items": [{"code": "tax_certificate", "description": "住民税の課税証明書"}],
            "message": "",
            "deadline": "2026-12-20",
        }
        from_review(rt, "application.documents_requested", request)
        assert [r.attempts for r in deliveries(rt)] == [3, 0]
        with transaction(rt.session_factory) as session:
            organisation_consent.withdraw(session, applicant_id, pid)
        from_review(rt, "application.decided", {**decided, "outcome": "refused"})
        assert len(deliveries(rt)) == 2


def test_a_webhook_never_accepted_is_given_up_after_24_hours(app, rt, receiver_factory):
    receiver = receiver_factory(failures=10**6)
    with time_machine.travel(TODAY, tick=False) as traveller:
        client = app.test_client()
        org_id, _secret = make_org(client, rt, approved=False)
        name_webhook(client, rt, org_id, receiver.url)
        event = decide_organisation_use(rt, org_id)
        [queued] = deliveries(rt)
        created = queued.created_at
        runs = 0
        while deliveries(rt)[0].given_up_at is None and runs < 200:
            run_worker_at(rt, traveller, deliveries(rt)[0].next_attempt_at)
            runs += 1
        [row] = deliveries(rt)
        # Backoff 1, 2, 4 ... 32 minutes, then hourly: attempts at 0, 1, 3, 7, 15, 31, 63, 123 ... 1383 minutes;
        # the next (1443) would be past 24 hours: given up after the 29th.
        assert row.attempts == 29 == len(receiver.calls) and row.delivered_at is None
        assert row.given_up_at - created == timedelta(minutes=1383) and row.last_error == "HTTP 500"
        assert {h["X-Zairyu-Event-Id"] for h, _ in receiver.calls} == {event.id}
        assert run_worker_at(rt, traveller, created + timedelta(days=3)) == 0 and len(receiver.calls) == 29
        # The organisation's software sees it given up, with the last error; another organisation sees none of it.
        seen = client.get("/org/api/v1/webhook", headers={"Authorization": f"Bearer {webhooks_token(rt, org_id)}"})
        assert seen.status_code == 200 and seen.json["url"] == receiver.url and "secret" not in seen.json
        [listed] = seen.json["deliveries"]
        assert (listed["event_id"], listed["state"], listed["attempts"]) == (event.id, "given_up", 29)
        assert listed["type"] == "organisation.use_decided" and listed["last_error"] == "HTTP 500"
        other_id, _ = make_org(client, rt, email="admin@other.example")
        theirs = webhooks_token(rt, other_id, "admin@other.example")
        seen = client.get("/org/api/v1/webhook", headers={"Authorization": f"Bearer {theirs}"})
        assert seen.json == {"url": None, "events": [], "deliveries": []}


# -- never a call into our own network ----------------------------------------------------------------------------
PRODUCTION = SimpleNamespace(settings=SimpleNamespace(embedded=False))  # what the setting decides, nothing more


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/h",
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/h",
        "https://[::1]:8443/h",
        "https://localhost/h",
        "https://db.internal/h",
        "http://agent.example/h",  # and plain HTTP
        "https://[::1/h",  # not a URL
        "https://agent.example:99999/h",
    ],
)
def test_a_webhook_into_our_network_is_refused_outside_the_demo(url):
    with pytest.raises(Invalid):
        organisation_api.set_webhook(PRODUCTION, None, "org", url)


def test_a_delivery_is_checked_again_and_never_follows_a_redirect(app, rt, receiver_factory):
    inside = receiver_factory(failures=0)
    redirecting = receiver_factory(failures=10**6, redirect_to=inside.url)
    with time_machine.travel(TODAY, tick=False) as traveller:
        client = app.test_client()
        org_id, _secret = make_org(client, rt, approved=False)
        name_webhook(client, rt, org_id, redirecting.url)
        decide_organisation_use(rt, org_id)
        assert run_worker_at(rt, traveller, TODAY) == 0
        assert len(redirecting.calls) == 1 and inside.calls == []  # a redirect is a failure, retried; not followed
        assert deliveries(rt)[0].last_error == "HTTP 302"
        # Outside the demo, the same endpoint (it resolves to 127.0.0.1) is not called at all.
        with transaction(rt.session_factory) as session:
            organisation_api.deliver_due(PRODUCTION, session, TODAY + timedelta(minutes=1))
        assert len(redirecting.calls) == 1
        [row] = deliveries(rt)
        assert row.attempts == 2 and row.last_error == "AddressRefused" and row.delivered_at is None


# -- through the bus, and across a restart -----------------------------------------------------------------------
def _app_of(runtime):
    from intake.entrypoints.limits import limiter
    from intake.entrypoints.web import create_app

    application = create_app(runtime)
    application.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    application.test_client_class = EnglishClient
    limiter.reset()
    return application


def test_the_decision_comes_over_the_bus_and_its_delivery_outlives_a_restart(tmp_path, receiver_factory):
    """Review's event goes through the outbox relay and the bus to intake's consumer, which queues the delivery;
    the process stops before any attempt; the next consume process (a new runtime on the same database) sends it."""
    receiver = receiver_factory(failures=0)
    first = make_runtime(tmp_path, organisation_webhook_minutes=0)  # no attempt before the restart
    try:
        with time_machine.travel(TODAY, tick=True) as traveller:
            app = _app_of(first)
            org = app.test_client()
            org_id, secret = make_org(org, first)
            sign_in(org, "admin@sample.example", secret)
            org.org_id = org_id
            traveller.shift(timedelta(seconds=31))  # the next TOTP step: the sign-in's code is spent
            hook_secret = name_webhook(org, first, org_id, receiver.url)
            pid, _person = consenting_person(org, app, first, "AB00000001CD", "p1@example.jp")
            _draft, code = prepared_code(org, first, pid, "AB00000001CD")
            application_id = sign_code(org, code, "silva").json["application_id"]
            with first.engine.connect() as conn:
                applicant_id = conn.execute(
                    sa.select(applications.c.applicant_id).where(applications.c.id == application_id)
                ).scalar()
            first.start_background()
            emit(
                first,
                "application.decided",
                "review",
                {
                    "application_id": application_id,
                    "applicant_id": applicant_id,
                    "outcome": "approved",
                    "procedure": "extension",
                    "bureau": "tokyo",
                    "granted_status": "engineer_humanities",
                    "period_of_stay": "P3Y",
                    "card_by_mail": False,
                    "fee_yen": 4000,
                    "decided_at": datetime.now(UTC).isoformat(),
                },
                application_id,
            )
            wait_until(lambda: deliveries(first), timeout=20, message="the consumer queued the delivery")
    finally:
        first.stop()
    assert receiver.calls == []  # stopped before any attempt
    again = make_runtime(tmp_path, data_keys=first.settings.data_keys)  # same database, same keys
    try:
        again.start_background()  # its webhook worker runs at start
        wait_until(lambda: receiver.accepted, timeout=20, message="delivered after the restart")
    finally:
        again.stop()
    [(event_id, (headers, body))] = receiver.accepted.items()
    assert len(receiver.calls) == 1 and json.loads(body)["data"]["application_id"] == application_id
    sent_at = datetime.fromtimestamp(int(headers["X-Zairyu-Timestamp"]), UTC)
    assert webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body, sent_at)
    assert deliveries(again)[0].delivered_at is not None


def test_the_worker_sends_everything_due_a_batch_per_transaction(app, rt, receiver_factory):
    receiver = receiver_factory(failures=0)
    with time_machine.travel(TODAY, tick=False):
        client = app.test_client()
        org_id, _secret = make_org(client, rt, approved=False)
        name_webhook(client, rt, org_id, receiver.url)
        events = {decide_organisation_use(rt, org_id).id for _ in range(organisation_api.BATCH * 2 + 5)}
        assert organisation_webhooks(rt) == len(events) == 25  # three transactions, one pass of the worker
        assert set(receiver.accepted) == events and len(receiver.calls) == 25
        assert organisation_webhooks(rt) == 0 and len(receiver.calls) == 25
