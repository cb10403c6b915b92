"""The intake attachment client over real HTTP, the seed command, the reminders command."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from review.adapters import accounts
from review.adapters.intake_client import AttachmentCorrupt, AttachmentUnavailable, IntakeAttachments
from review.adapters.tables import officers
from review.application import casework, inbound
from review.application.periodic import run_once as periodic_once
from review.entrypoints.cli import create_officer_main, reminders_main
from review.entrypoints.seed import seed_demo
from zairyu_shared.db import transaction
from zairyu_shared.japan_time import japan_today

GOOD = b"\x89PNG\r\n\x1a\n fake image"
BAD_SHA = hashlib.sha256(b"what was signed").hexdigest()


@pytest.fixture
def intake():
    """A stand-in for intake's internal endpoint: one good blob, one that does not match its name."""
    blobs = {hashlib.sha256(GOOD).hexdigest(): GOOD, BAD_SHA: b"something else"}

    @Request.application
    def app(request):
        sha = request.path.rsplit("/", 1)[-1]
        if not request.path.startswith("/internal/v1/attachments/") or sha not in blobs:
            return Response("no", status=404)
        return Response(blobs[sha], mimetype="application/octet-stream")

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_attachments_are_fetched_byte_exact_and_checked(intake):
    client = IntakeAttachments(intake)
    assert client.fetch(hashlib.sha256(GOOD).hexdigest()) == GOOD
    with pytest.raises(AttachmentCorrupt):
        client.fetch(BAD_SHA)
    with pytest.raises(AttachmentUnavailable):
        client.fetch("0" * 64)
    with pytest.raises(ValueError):
        client.fetch("../../etc/passwd")


def test_seed_demo_creates_officers_who_can_sign_in_once_printed(rt):
    lines = []
    created = seed_demo(rt, out=lines.append)
    assert {(c["bureau"], c["office"], c["role"]) for c in created} == {
        (b, None, r) for b in ("tokyo", "osaka") for r in ("examiner", "supervisor", "bureau_admin", "auditor")
    } | {("tokyo", "yokohama", "examiner"), ("tokyo", "yokohama", "supervisor")}
    assert any(line.split()[0] == "tokyo-yokohama-examiner" for line in lines if line.startswith("  "))
    assert any(created[0]["totp_secret"] in line for line in lines)
    assert seed_demo(rt, out=lines.append) == []  # second run: nothing new, nothing printed again
    c = created[0]
    with transaction(rt.session_factory) as s:
        row = accounts.authenticate(s, c["username"], c["password"], pyotp.TOTP(c["totp_secret"]).now())
        assert row.role == c["role"] and row.password_hash.startswith("$argon2id$")
    with rt.engine.connect() as conn:  # the TOTP secret is not stored in clear
        raw = conn.execute(
            sa.text("SELECT totp_secret FROM officers WHERE username = :u"), {"u": c["username"]}
        ).scalar()
    assert c["totp_secret"].encode() not in bytes(raw)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(officers)).scalar() == 10
        scoped = conn.execute(sa.select(officers.c.username).where(officers.c.office == "yokohama")).scalars().all()
    assert sorted(scoped) == ["tokyo-yokohama-examiner", "tokyo-yokohama-supervisor"]


def test_reminders_command_stages_due_reminders(rt):
    from review_testkit import verified_event

    from review.domain.roles import Officer, Role

    created = seed_demo(rt, out=lambda _l: None)
    ex = next(Officer(c["id"], Role.EXAMINER, "tokyo") for c in created if c["username"] == "tokyo-examiner")
    event = verified_event()
    app = event.payload["application_id"]
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    with transaction(rt.session_factory) as s:
        casework.claim(rt, s, ex, app)
    with transaction(rt.session_factory) as s:
        casework.request_documents(
            rt, s, ex, app, [{"code": "x", "description": "y"}], "", date.today() + timedelta(days=2)
        )
    out = io.StringIO()
    assert reminders_main([], runtime=rt, out=out) == 0
    assert out.getvalue() == "documents reminders staged: 1\n"
    with rt.engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(sa.func.count()).where(rt.outbox.c.event_type == "application.documents_reminder_due")
            ).scalar()
            == 1
        )


def test_signing_client_posts_the_documented_request_and_reads_the_verdict():
    import json as _json

    from review.adapters.signing_client import SigningUnavailable, SigningVerifier

    seen = []

    @Request.application
    def signing(request):
        if request.path != "/internal/v1/verifications/cms":
            return Response("no", status=404)
        body = _json.loads(request.get_data())
        seen.append(body)
        if body["content_b64"] == "ZmFpbA==":
            return Response('{"error": "verifier_unavailable"}', status=503, mimetype="application/json")
        return Response(
            _json.dumps({"verdict": "invalid", "reason": "revoked", "message": "revoked", "evidence": {}}),
            mimetype="application/json",
        )

    server = make_server("127.0.0.1", 0, signing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = SigningVerifier(f"http://127.0.0.1:{server.server_port}")
        holder = {"name": "A", "date_of_birth": "1990-01-01", "sex": "F", "address": "Osaka"}
        assert client.verify_cms("e30=", "eA==", holder)["reason"] == "revoked"
        assert seen[0] == {
            "content_b64": "e30=",
            "signature_b64": "eA==",
            "profile": "jpki-sign",
            "expected_holder": holder,
            "language": "en",
        }
        with pytest.raises(SigningUnavailable):
            client.verify_cms("ZmFpbA==", "eA==", None)
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(SigningUnavailable):
        SigningVerifier(f"http://127.0.0.1:{server.server_port}", timeout=2).verify_cms("e30=", "eA==", None)


def test_periodic_work_stages_each_reminder_once(rt):
    from review_testkit import verified_event

    from review.domain.roles import Officer, Role

    created = seed_demo(rt, out=lambda _l: None)
    ex = next(Officer(c["id"], Role.EXAMINER, "tokyo") for c in created if c["username"] == "tokyo-examiner")
    event = verified_event()
    app = event.payload["application_id"]
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
        casework.claim(rt, s, ex, app)
    with transaction(rt.session_factory) as s:
        casework.request_documents(
            rt, s, ex, app, [{"code": "x", "description": "y"}], "", date.today() + timedelta(days=5)
        )
    assert periodic_once(rt) == 0
    assert periodic_once(rt, today=date.today() + timedelta(days=2)) == 1
    assert periodic_once(rt, today=date.today() + timedelta(days=2)) == 0


def test_reminders_and_a_case_s_age_count_japan_s_day_in_a_utc_container(rt):
    """At 16:00 UTC on 5 December it is 01:00 on 6 December in Japan: a request due on 9 December is
    three Japanese days away and its reminder goes out now (UTC's 5 December put it a day later)."""
    import time_machine
    from review_testkit import verified_event

    from review.domain import statistics
    from review.domain.roles import Officer, Role

    with time_machine.travel(datetime(2026, 12, 5, 16, 0, tzinfo=UTC), tick=False):
        created = seed_demo(rt, out=lambda _l: None)
        ex = next(Officer(c["id"], Role.EXAMINER, "tokyo") for c in created if c["username"] == "tokyo-examiner")
        event = verified_event()
        app = event.payload["application_id"]
        with transaction(rt.session_factory) as s:
            inbound.receive(rt, s, event)
            casework.claim(rt, s, ex, app)
        with transaction(rt.session_factory) as s:
            with pytest.raises(ValueError):  # 6 December is today in Japan, not a future deadline
                casework.request_documents(rt, s, ex, app, [{"code": "x", "description": "y"}], "", date(2026, 12, 6))
        with transaction(rt.session_factory) as s:
            casework.request_documents(rt, s, ex, app, [{"code": "x", "description": "y"}], "", date(2026, 12, 9))
        assert periodic_once(rt) == 1  # the consume process's worker, with no date handed in
        # received at 15:30 UTC on 4 December (00:30 on the 5th in Japan): one Japanese day old, not two
        assert statistics.ageing("extension", datetime(2026, 12, 4, 15, 30, tzinfo=UTC), japan_today())["age_days"] == 1


def test_create_officer_command_bootstraps_a_national_auditor(rt, capsys):
    out = io.StringIO()
    assert (
        create_officer_main(
            ["nat-audit", "--display-name", "National Auditor", "--role", "auditor"], runtime=rt, out=out
        )
        == 0
    )
    password, secret = re.search(r"password (\S+)  TOTP secret (\S+)", out.getvalue()).groups()
    with transaction(rt.session_factory) as s:
        row = accounts.authenticate(s, "nat-audit", password, pyotp.TOTP(secret).now())
    assert row.bureau is None and row.role == "auditor"
    with pytest.raises(SystemExit):  # only auditors may be national
        create_officer_main(["boss", "--display-name", "B", "--role", "supervisor"], runtime=rt, out=out)
