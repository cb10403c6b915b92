"""Intake's consumer, in process: the CPU and the statements one application's events cost it (issue 24).

    .venv/bin/python services/intake/bench/bench_consume.py [--applications 100]

What intake's consume process does for an application in bench_e2e: signing's signature.verified (echoing the
submission), review's application.received, notify's two notices (submitted, received), each through
``EventConsumer.process`` (contract check from the JSON, inbox, handler, commit) in transactions of 1, 2 and 1
events; then one outbox relay round (memory transport), which publishes that application's application.submitted
(staged by the web front; the consume process relays intake's outbox). On a scratch PostgreSQL database
(ZAIRYU_TEST_PG picks the server), dropped afterwards. Not counted: registering three applicants, preparing and
submitting every application (drafting, photo, signing code, redeemed with a fake signature), building the events.

Instructions, which the machine's load does not move (only the measured loop is instrumented)::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python services/intake/bench/bench_consume.py --callgrind --applications 20
    callgrind_annotate /tmp/cg.out | head     # total instructions / applications = instructions per application

--life adds the rest of its life, each event in a transaction of its own: review's examination_started and
decided (an approved extension), card-delivery's card.issued, .dispatched, .delivered, notify's notice of the
decision.

Prints ``name: value unit`` lines (and each statement's count per application with --statements).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' testkit

from cpu_per_application import prepare
from hostile_files import jpeg
from intake_testkit import HOLDERS, FakeSigning, fake_signature, make_runtime
from journey import register

from intake.adapters.tables import applications, timeline_entries
from intake.application import signing_requests
from intake.bootstrap import ports
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing import (
    ReceivedMessage,
    bench_size,
    counted_statements,
    measured_loop,
    print_consume_cost,
    staged_events,
)
from zairyu_shared.testing_databases import migrated_database

APPLICANTS = 3  # as bench_e2e (an account holds at most 20 open drafts: more applicants for more applications)


def submitted_applications(rt, n: int) -> list[dict]:
    """n applications submitted as bench_e2e's are (extension, worker fields, one photo): their
    application.submitted payloads, oldest first (still unsent in the outbox)."""
    from intake.entrypoints.web import create_app

    signing = ports(rt).signing
    assert isinstance(signing, FakeSigning)
    holders = [f"bench{j}" for j in range(max(APPLICANTS, -(-n // 20)))]
    app = create_app(rt)
    app.config["WTF_CSRF_ENABLED"] = False
    people = []
    for j, holder in enumerate(holders):
        signing.holders[holder] = {**HOLDERS["nguyen"], "name": f"NGUYEN VAN {j}"}
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.25.0.{j + 1}"
        people.append(register(client, rt, holder, f"{holder}@example.jp"))
    with transaction(rt.session_factory) as s:  # the registrations' mails: not this bench's relay rounds
        s.execute(rt.outbox.delete())
    photo = jpeg()
    for i in range(n):
        j = i % len(holders)
        code, content = prepare(rt, people[j], i, photo)  # as the front's bench prepares its signatures
        with transaction(rt.session_factory) as s:
            answer = signing_requests.redeem(rt, s, code, fake_signature(content, holders[j]))
        assert answer.get("ok"), answer
    submitted = [e["payload"] for e in staged_events(rt, "application.submitted")]
    assert len(submitted) == n, len(submitted)
    return submitted


def _event(event_type: str, source: str, payload: dict, application_id: str) -> bytes:
    return new_event(event_type, payload, source=source, correlation_id=application_id).to_json().encode()


def _notice(p: dict, notice_type: str, subject: str) -> bytes:
    return _event(
        "notice.created",
        "notify",
        {
            "notice_id": f"n-{uuid.uuid4().hex}",
            "applicant_id": p["applicant_id"],
            "application_id": p["application_id"],
            "notice_type": notice_type,
            "language": "vi",
            "subject": subject,
            "body_text": "Kính gửi quý khách,\n\nChúng tôi đã nhận được hồ sơ của quý khách.\n" * 4,
            "created_at": datetime.now(UTC).isoformat(),
        },
        p["application_id"],
    )


def life_after_receipt(p: dict, n: int) -> list[list[tuple[str, ReceivedMessage]]]:
    """--life: the rest of an application's life (review's examination and approval, card-delivery's card), each
    event in a transaction of its own, with notify's notice of the decision."""
    now = datetime.now(UTC).isoformat()
    ids = {"application_id": p["application_id"], "applicant_id": p["applicant_id"]}
    decided = {
        **ids,
        "outcome": "approved",
        "procedure": p["procedure"],
        "bundled": p["bundled"],
        "bureau": p["bureau"],
        "fee_yen": 6000,
        "card_by_mail": True,
        "granted_status": "engineer_humanities",
        "period_of_stay": "P3Y",
        "explanation": "",
        "decided_at": now,
    }
    card = {**ids, "delivery_id": f"d-{n}", "occurred_at": now}
    return [
        [("intake.timeline", ReceivedMessage(_event(t, source, payload, p["application_id"])))]
        for t, source, payload in (
            ("application.examination_started", "review", {**ids, "started_at": now}),
            ("application.decided", "review", decided),
            ("card.issued", "card-delivery", {**card, "card_number": f"XY{n:08d}ZW"}),
            ("card.dispatched", "card-delivery", {**card, "tracking_number": f"1234-5678-{n:04d}"}),
            ("card.delivered", "card-delivery", card),
        )
    ] + [[("intake.inbox_notices", ReceivedMessage(_notice(p, "application_decided", "Hồ sơ đã được phê duyệt")))]]


def events_of(p: dict, n: int) -> list[list[tuple[str, ReceivedMessage]]]:
    """One application's deliveries, in the transactions the consumer takes them in."""
    now = datetime.now(UTC).isoformat()
    verified = _event(
        "signature.verified",
        "signing",
        {
            "application_id": p["application_id"],
            "applicant_id": p["applicant_id"],
            "evidence": {"certificate_serial": f"{n:04x}", "issuer": "CN=sign CA", "validation_time": now},
            "submission": p,
        },
        p["application_id"],
    )
    received = _event(
        "application.received",
        "review",
        {
            "application_id": p["application_id"],
            "applicant_id": p["applicant_id"],
            "receipt_number": f"TKY-2026-{n:06d}",
            "bureau": p["bureau"],
            "office": "tokyo",
            "procedure": p["procedure"],
            "received_at": now,
        },
        p["application_id"],
    )
    submitted_notice = _notice(p, "application_submitted", "Hồ sơ của quý khách đã được nộp")
    received_notice = _notice(p, "application_received", "Hồ sơ của quý khách đã được tiếp nhận")
    return [
        [("intake.timeline", ReceivedMessage(verified))],
        [("intake.inbox_notices", ReceivedMessage(submitted_notice)), ("intake.timeline", ReceivedMessage(received))],
        [("intake.inbox_notices", ReceivedMessage(received_notice))],
    ]


def main() -> int:
    from intake.entrypoints.service import definition

    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=bench_size(100, 5))
    parser.add_argument("--callgrind", action="store_true", help="instrument the measured loop only (callgrind)")
    parser.add_argument("--statements", action="store_true", help="print each statement's count an application")
    parser.add_argument("--life", action="store_true", help="and the rest of its life: decision, card (6 events)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the measured loop into FILE (pstats)")
    args = parser.parse_args()
    warm = 3
    with migrated_database(definition, "zb_intake_consume") as url:
        # The setup registers a holder per 20 applications, each from its own address (REGISTER's budget is
        # per address: behind no trusted proxy they all came from the test client's, and 200 applications ran out).
        rt = make_runtime(Path(tempfile.mkdtemp()), database_url=url, proxy_hops=1, proxy_networks=("127.0.0.1/32",))
        try:
            submitted = submitted_applications(rt, warm + args.applications)
            batches = [
                events_of(p, i) + (life_after_receipt(p, i) if args.life else []) for i, p in enumerate(submitted)
            ]
            consumer = rt.consumer()
            consumer._amqp = False  # acks one by one, as on kombu's memory transport
            rt.relay.batch_size = 1  # a round a submission, as the commit's NOTIFY wakes the relay at bench_e2e's rate

            def take(application: list[list[tuple[str, ReceivedMessage]]]) -> None:
                for batch in application:
                    consumer.process(batch)
                assert rt.relay.relay_once() == 1

            for application in batches[:warm]:  # compiled statements, the applicants' keys
                take(application)
            statements = counted_statements(rt.engine) if args.statements else None
            with measured_loop(args.callgrind, args.profile) as spent:
                for application in batches[warm:]:
                    take(application)
            cpu = spent.seconds
            with rt.engine.connect() as conn:
                entries = conn.execute(sa.select(sa.func.count()).select_from(timeline_entries)).scalar_one()
                statuses = conn.execute(sa.select(applications.c.status).distinct()).scalars().all()
            # submitted, signature_verified, received (and examination, approval, card issued, posted, delivered)
            assert entries == (8 if args.life else 3) * len(batches), entries
            assert statuses == ["card_delivered" if args.life else "received"], statuses
        finally:
            rt.stop()
            rt.engine.dispose()
    print_consume_cost("intake_consume", cpu, statements, args.applications)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
