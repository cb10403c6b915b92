"""Casework on SQLite + memory bus: events in, transitions, events out, audit, authorization."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from review_testkit import HOLDER, intake_event, staged, verified_event

from review.adapters import audit
from review.adapters.accounts import create_officer
from review.adapters.tables import audit_log, cases, signature_rejections
from review.adapters.tables import officers as officer_rows
from review.application import casework, inbound, periodic
from review.bootstrap import ports
from review.domain import statistics
from review.domain.case import FourEyesViolation, IllegalTransition, Proposal
from review.domain.roles import Forbidden, Officer, Role
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.outbox import open_body


def officers_of(rt, bureau):
    made = {}
    with transaction(rt.session_factory) as s:
        for role in ("examiner", "supervisor", "auditor"):
            oid, _, _ = create_officer(s, f"{bureau}-{role}", role, role, bureau, password="pw")
            made[role] = Officer(oid, Role(role), bureau)
        oid, _, _ = create_officer(s, f"{bureau}-examiner2", "ex2", "examiner", bureau, password="pw")
        made["examiner2"] = Officer(oid, Role.EXAMINER, bureau)
    return made


_TEST_ROLES = {
    "examiner": Role.EXAMINER,
    "supervisor": Role.SUPERVISOR,
    "auditor": Role.AUDITOR,
    "examiner2": Role.EXAMINER,
}


def officers_once(rt, bureau="tokyo"):
    """The bureau's officers_of, made on first use in this runtime's database and found again after."""
    with rt.engine.connect() as conn:
        ids = dict(
            conn.execute(
                sa.select(officer_rows.c.username, officer_rows.c.id).where(officer_rows.c.bureau == bureau)
            ).all()
        )
    if f"{bureau}-examiner" not in ids:
        return officers_of(rt, bureau)
    return {key: Officer(ids[f"{bureau}-{key}"], role, bureau) for key, role in _TEST_ROLES.items()}


def act(rt, func, *args, **kw):
    with transaction(rt.session_factory) as s:
        return func(rt, s, *args, **kw)


def receive(rt, **kw):
    event = verified_event(**kw)
    act(rt, inbound.receive, event)
    return event.payload["application_id"]


def test_verified_signature_becomes_a_received_case_with_receipt_number(rt):
    first = receive(rt, bureau="tokyo")
    second = receive(rt, bureau="tokyo")
    osaka = receive(rt, bureau="osaka")
    received = staged(rt, "application.received")
    numbers = [r["receipt_number"] for r in received]
    year = received[0]["received_at"][:4]
    assert numbers == [f"東オン-{year}-000001", f"東オン-{year}-000002", f"阪オン-{year}-000001"]
    assert [r["application_id"] for r in received] == [first, second, osaka]
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.application_id == first)).one()
    assert row.status == "received" and row.bureau == "tokyo" and row.is_open
    assert json.loads(row.form)["form"]["card_number"] == "AB12345678CD"  # decoded from the signed bytes
    with rt.engine.connect() as conn:  # personal data is not stored in clear
        raw = conn.execute(sa.text("SELECT form FROM cases WHERE application_id = :a"), {"a": first}).scalar()
    assert b"NGUYEN" not in bytes(raw)


def test_same_application_verified_twice_is_one_case(rt):
    event = verified_event()
    act(rt, inbound.receive, event)
    again = new_event("signature.verified", event.payload, source="signing", correlation_id="x")
    act(rt, inbound.receive, again)
    assert len(staged(rt, "application.received")) == 1


def test_rejected_signature_makes_no_case(rt):
    event = new_event(
        "signature.rejected",
        {
            "application_id": "a1",
            "applicant_id": "p1",
            "reason": "revoked",
            "message": "certificate revoked",
            "language": "en",
        },
        source="signing",
        correlation_id="a1",
    )
    act(rt, inbound.record_rejection, event)
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar() == 0
        assert conn.execute(sa.select(signature_rejections.c.reason)).scalar() == "revoked"


def full_path(rt, officers, outcome="approved", bundled=(), grant=("engineer_humanities", "3 years")):
    app = receive(rt, bundled=bundled)
    ex, sv = officers["examiner"], officers["supervisor"]
    act(rt, casework.claim, ex, app, ip="10.0.0.5")
    request_id = act(
        rt,
        casework.request_documents,
        ex,
        app,
        [{"code": "tax", "description": "tax certificate"}],
        "please",
        date.today() + timedelta(days=14),
    )
    applicant = staged(rt, "application.received")[-1]["applicant_id"]
    act(
        rt,
        inbound.documents_submitted,
        intake_event(
            "application.documents_submitted",
            {
                "application_id": app,
                "applicant_id": applicant,
                "request_id": request_id,
                "message": "here",
                "attachments": [{"sha256": "a" * 64, "media_type": "application/pdf", "size": 10, "kind": "tax"}],
                "submitted_at": "2026-01-10T10:00:00+09:00",
            },
            app,
        ),
    )
    act(rt, casework.resume_examination, ex, app)
    if outcome == "approved":
        proposal = Proposal("approved", ex.id, *grant)
    else:
        proposal = Proposal("refused", ex.id, reason_codes=("insufficient_income",), explanation="income too low")
    act(rt, casework.propose, ex, app, proposal)
    act(rt, casework.confirm, sv, app)
    return app


def test_the_fee_decided_is_the_one_signed_at_filing_from_the_schedule_of_the_day_received(rt):
    """Review keeps no fee schedule: a fee signed under a newer schedule (here a hypothetical 6,000 yen) is the
    one decided, not review's table (which would say 5,500 for an extension)."""
    from review_testkit import FORM

    officers = officers_of(rt, "tokyo")
    app = receive(rt, form={**FORM, "fee_yen": 6000})
    ex, sv = officers["examiner"], officers["supervisor"]
    act(rt, casework.claim, ex, app, ip="10.0.0.5")
    act(rt, casework.propose, ex, app, Proposal("approved", ex.id, "engineer_humanities", "3 years"))
    act(rt, casework.confirm, sv, app)
    assert staged(rt, "application.decided")[-1]["fee_yen"] == 6000


def test_the_decision_carries_the_receipt_number_for_the_mailroom(rt):
    """application.decided v4 (issue 18): the mailroom finds a case by the number the applicant quotes."""
    from review.adapters.tables import cases

    app = full_path(rt, officers_of(rt, "tokyo"), grant=("engineer_humanities", "P3Y"))  # as the pickers code it
    with rt.engine.connect() as conn:
        receipt = conn.execute(sa.select(cases.c.receipt_number).where(cases.c.application_id == app)).scalar_one()
        body = json.loads(
            open_body(
                conn.execute(
                    sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "application.decided")
                ).scalar_one(),
                rt.keyring,
            )
        )
    assert body["version"] == 5 and body["payload"]["receipt_number"] == receipt
    # v5: the holder's registered date of birth as signed, for the new card's validity (card-delivery, art. 19-5)
    assert body["payload"]["delivery"]["date_of_birth"] == HOLDER["date_of_birth"] == "1995-04-01"


def test_the_whole_path_publishes_what_others_need(rt):
    from review.adapters import metrics

    officers = officers_of(rt, "tokyo")
    before = metrics.DECISIONS.labels("tokyo", "extension", "approved")._value.get()
    app = full_path(rt, officers, bundled=["reentry"])
    assert metrics.DECISIONS.labels("tokyo", "extension", "approved")._value.get() == before + 1
    assert staged(rt, "application.examination_started")[0]["application_id"] == app
    requested = staged(rt, "application.documents_requested")[0]
    assert requested["items"] == [{"code": "tax", "description": "tax certificate"}]
    decided = staged(rt, "application.decided")[0]
    assert decided["outcome"] == "approved" and decided["fee_yen"] == 9000
    assert decided["delivery"] == {
        "name": "NGUYEN VAN A",
        "mailing_address": {"postal_code": None, "text": "東京都新宿区西新宿1-1-1 アパート101"},
        "certificate_address": "東京都新宿区西新宿1-1-1",
        "old_card_number": "AB12345678CD",
    }
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.application_id == app)).one()
        assert (row.status, row.is_open, row.fee_yen) == ("approved", False, 9000)
        actions = (
            conn.execute(
                sa.select(audit_log.c.action).where(audit_log.c.application_id == app).order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
        assert actions == [
            "case.received",
            "case.claimed",
            "case.documents_requested",
            "case.examination_resumed",
            "case.decision_proposed",
            "case.decision_confirmed",
        ]
        assert audit.verify_chain(conn) == (6, [])


def test_refusal_has_no_fee_and_no_delivery(rt):
    app = full_path(rt, officers_of(rt, "tokyo"), outcome="refused")
    decided = staged(rt, "application.decided")[0]
    assert decided["application_id"] == app
    assert (decided["fee_yen"], decided["delivery"], decided["reason_codes"]) == (0, None, ["insufficient_income"])


def test_four_eyes_and_examiner_limits(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    act(rt, casework.assign, o["supervisor"], app, o["supervisor"].id)
    act(rt, casework.propose, o["supervisor"], app, Proposal("approved", o["supervisor"].id, "student", "1 year"))
    with pytest.raises(FourEyesViolation):
        act(rt, casework.confirm, o["supervisor"], app)
    with pytest.raises(Forbidden):
        act(rt, casework.confirm, o["examiner"], app)
    with pytest.raises(Forbidden):  # not the assignee
        act(rt, casework.propose, o["examiner2"], app, Proposal("approved", o["examiner2"].id, "student", "1 year"))
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app).status == "decision_proposed"


def test_return_sends_the_case_back(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    act(rt, casework.claim, o["examiner"], app)
    act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "student", "1 year"))
    act(rt, casework.return_proposal, o["supervisor"], app, "check income")
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app).status == "under_examination"
        assert casework.open_proposal(s, app) is None
    with pytest.raises(IllegalTransition):
        act(rt, casework.confirm, o["supervisor"], app)


def test_osaka_sees_nothing_of_tokyo(rt):
    tokyo = officers_of(rt, "tokyo")
    osaka = officers_of(rt, "osaka")
    app = receive(rt, bureau="tokyo")
    for officer in osaka.values():
        with pytest.raises(casework.NotFound):
            act(rt, casework.claim, officer, app)
        with pytest.raises(casework.NotFound):
            act(rt, casework.add_note, officer, app, "peek")
    act(rt, casework.claim, tokyo["examiner"], app)


def test_claim_is_exclusive_and_version_checked(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    with transaction(rt.session_factory) as s:
        version = casework.load_case(s, app).version
    act(rt, casework.claim, o["examiner"], app, version)
    with pytest.raises(casework.Conflict):
        act(rt, casework.claim, o["examiner2"], app, version)
    with pytest.raises(casework.Conflict):
        act(rt, casework.claim, o["examiner2"], app)


def test_withdrawal_appears_then_closes_when_acknowledged(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    act(rt, casework.claim, o["examiner"], app)
    applicant = staged(rt, "application.received")[0]["applicant_id"]
    act(
        rt,
        inbound.withdrawn,
        intake_event(
            "application.withdrawn",
            {
                "application_id": app,
                "applicant_id": applicant,
                "reason": "leaving Japan",
                "signed_content_b64": "e30=",
                "signature_cms_b64": "eA==",
                "withdrawn_at": "2026-01-10T10:00:00+09:00",
            },
            app,
        ),
    )
    assert ports(rt).signing.calls[0]["expected_holder"] == {
        "name": "NGUYEN VAN A",
        "date_of_birth": "1995-04-01",
        "sex": "M",
        "address": "東京都新宿区西新宿1-1-1",
    }
    with pytest.raises(IllegalTransition):  # no decision on a withdrawn application
        act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "student", "1 year"))
    assert staged(rt, "application.closed") == []
    act(rt, casework.acknowledge_withdrawal, o["examiner"], app)
    closed = staged(rt, "application.closed")
    assert closed[0]["reason"] == "withdrawn"
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app).status == "withdrawn"


def test_correction_and_address_mismatch_are_noted(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    applicant = staged(rt, "application.received")[0]["applicant_id"]
    act(
        rt,
        inbound.correction_requested,
        intake_event(
            "application.correction_requested",
            {
                "application_id": app,
                "applicant_id": applicant,
                "correction_id": "c1",
                "message": "typo in employer",
                "signed_content_b64": "e30=",
                "signature_cms_b64": "eA==",
                "requested_at": "2026-01-10T10:00:00+09:00",
            },
            app,
        ),
    )
    act(
        rt,
        inbound.address_mismatch,
        new_event(
            "card.address_mismatch",
            {
                "application_id": app,
                "applicant_id": applicant,
                "delivery_id": "d1",
                "occurred_at": "2026-01-10T10:00:00+09:00",
                "detail": "registered address differs",
            },
            source="card-delivery",
            correlation_id=app,
        ),
    )
    from review.adapters.queries import case_file

    with rt.engine.connect() as conn:
        f = case_file(conn, app)
    assert f["corrections"][0]["message"] == "typo in employer"
    assert f["address_mismatch"] == "registered address differs"
    kinds = [h["kind"] for h in f["history"]]
    assert kinds == ["received", "correction_requested", "address_mismatch"]
    act(rt, casework.handle_correction, o["examiner"], app, "c1")
    with pytest.raises(casework.NotFound):
        act(rt, casework.handle_correction, o["examiner"], app, "c1")


def test_documents_answer_for_an_unknown_request_or_wrong_state_raises(rt):
    app = receive(rt)
    event = intake_event(
        "application.documents_submitted",
        {
            "application_id": app,
            "applicant_id": "p",
            "request_id": "nope",
            "attachments": [{"sha256": "a" * 64, "media_type": "application/pdf", "size": 10, "kind": "tax"}],
            "submitted_at": "2026-01-10T10:00:00+09:00",
        },
        app,
    )
    with pytest.raises(casework.NotFound):
        act(rt, inbound.documents_submitted, event)


def test_reminder_is_staged_once_near_the_deadline(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    act(rt, casework.claim, o["examiner"], app)
    act(
        rt,
        casework.request_documents,
        o["examiner"],
        app,
        [{"code": "x", "description": "y"}],
        "",
        date.today() + timedelta(days=10),
    )
    assert act(rt, periodic.reminders_due, date.today()) == 0
    assert act(rt, periodic.reminders_due, date.today() + timedelta(days=8)) == 1
    assert act(rt, periodic.reminders_due, date.today() + timedelta(days=8)) == 0
    assert staged(rt, "application.documents_reminder_due")[0]["application_id"] == app


def test_events_arrive_through_the_memory_bus(rt):
    from zairyu_shared.testing import wait_until

    rt.start_background()
    event = verified_event(bureau="fukuoka")
    # as signing would: straight onto its exchange on the in-memory broker
    rt.relay.publisher.publish_batch(
        [
            type(
                "M",
                (),
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "exchange": "signing.events",
                    "correlation_id": "x",
                    "body": event.to_json(),
                },
            )()
        ]
    )

    def number():
        with rt.engine.connect() as conn:
            return conn.execute(sa.select(cases.c.receipt_number)).scalar()

    assert wait_until(number, message="case received").startswith("福オン-")


def test_a_withdrawal_without_a_valid_signature_changes_nothing(rt):
    from review_testkit import FakeSigning

    o = officers_of(rt, "tokyo")
    app = receive(rt)
    ports(rt).signing = FakeSigning("invalid", "holder_mismatch")
    act(
        rt,
        inbound.withdrawn,
        intake_event(
            "application.withdrawn",
            {
                "application_id": app,
                "applicant_id": staged(rt, "application.received")[0]["applicant_id"],
                "reason": "",
                "signed_content_b64": "e30=",
                "signature_cms_b64": "eA==",
                "withdrawn_at": "2026-01-10T10:00:00+09:00",
            },
            app,
        ),
    )
    with pytest.raises(ValueError):
        act(rt, casework.acknowledge_withdrawal, o["examiner"], app)
    from review.adapters.queries import case_file

    with rt.engine.connect() as conn:
        f = case_file(conn, app)
    assert f["withdrawal_requested_at"] is None
    assert f["history"][-1]["kind"] == "withdrawal_signature_invalid"
    assert f["history"][-1]["detail"]["signature"]["reason"] == "holder_mismatch"


def test_gauges_count_open_cases_and_those_past_target(rt):
    from review.adapters import metrics

    old = receive(rt, bureau="sendai")
    receive(rt, bureau="sendai")
    with transaction(rt.session_factory) as s:
        received = casework.load_case(s, old).received_at
        s.execute(cases.update().where(cases.c.application_id == old).values(received_at=received - timedelta(days=31)))
    with rt.engine.connect() as conn:
        periodic.refresh_gauges(conn)
    assert metrics.CASES_OPEN.labels("sendai", "received")._value.get() == 2
    assert metrics.CASES_OPEN.labels("sendai", "under_examination")._value.get() == 0
    assert metrics.PAST_TARGET.labels("sendai")._value.get() == 1


def test_past_target_follows_the_target_days_setting(rt):
    """ZAIRYU_REVIEW_TARGET_DAYS: a procedure's target set to 0 days puts its open cases past target at once;
    a procedure left out keeps its default (an extension received today is within its 30 days)."""
    from review.adapters import metrics
    from review.settings import ReviewSettings
    from zairyu_shared.config import ConfigError, load

    receive(rt, bureau="fukuoka")
    environ = {"DATABASE_URL": "sqlite://", "ZAIRYU_EMBEDDED": "true"}
    with rt.engine.connect() as conn:
        periodic.refresh_gauges(conn, load(ReviewSettings, environ).targets())
    assert metrics.PAST_TARGET.labels("fukuoka")._value.get() == 0
    short = load(ReviewSettings, {**environ, "ZAIRYU_REVIEW_TARGET_DAYS": "extension=0"})
    assert short.targets() == {**statistics.TARGET_DAYS, "extension": 0}
    with rt.engine.connect() as conn:
        periodic.refresh_gauges(conn, short.targets())
    assert metrics.PAST_TARGET.labels("fukuoka")._value.get() == 1
    with pytest.raises(ConfigError, match="ZAIRYU_REVIEW_TARGET_DAYS"):
        load(ReviewSettings, {**environ, "ZAIRYU_REVIEW_TARGET_DAYS": "extension=two weeks"})
    with pytest.raises(ConfigError, match="ZAIRYU_REVIEW_TARGET_DAYS"):
        load(ReviewSettings, {**environ, "ZAIRYU_REVIEW_TARGET_DAYS": "visa=30"})


def test_applicant_events_for_a_rejected_application_are_ignored(rt):
    act(
        rt,
        inbound.record_rejection,
        new_event(
            "signature.rejected",
            {"application_id": "rej-1", "applicant_id": "p", "reason": "revoked", "message": "x", "language": "en"},
            source="signing",
            correlation_id="rej-1",
        ),
    )
    act(
        rt,
        inbound.withdrawn,
        intake_event(
            "application.withdrawn",
            {
                "application_id": "rej-1",
                "applicant_id": "p",
                "reason": "",
                "signed_content_b64": "e30=",
                "signature_cms_b64": "eA==",
                "withdrawn_at": "2026-01-10T10:00:00+09:00",
            },
            "rej-1",
        ),
    )
    with pytest.raises(casework.NotFound):  # not yet received: retried until signature.verified arrives
        act(
            rt,
            inbound.withdrawn,
            intake_event(
                "application.withdrawn",
                {
                    "application_id": "not-yet",
                    "applicant_id": "p",
                    "reason": "",
                    "signed_content_b64": "e30=",
                    "signature_cms_b64": "eA==",
                    "withdrawn_at": "2026-01-10T10:00:00+09:00",
                },
                "not-yet",
            ),
        )


def test_a_second_answer_to_the_same_request_changes_nothing(rt):
    o = officers_of(rt, "tokyo")
    app = receive(rt)
    act(rt, casework.claim, o["examiner"], app)
    request_id = act(
        rt,
        casework.request_documents,
        o["examiner"],
        app,
        [{"code": "x", "description": "y"}],
        "",
        date.today() + timedelta(days=5),
    )
    answer = {
        "application_id": app,
        "applicant_id": "p",
        "request_id": request_id,
        "message": "first",
        "attachments": [{"sha256": "a" * 64, "media_type": "application/pdf", "size": 10, "kind": "x"}],
        "submitted_at": "2026-01-10T10:00:00+09:00",
    }
    act(rt, inbound.documents_submitted, intake_event("application.documents_submitted", answer, app))
    act(
        rt,
        inbound.documents_submitted,
        intake_event("application.documents_submitted", {**answer, "message": "second"}, app),
    )
    from review.adapters.queries import case_file

    with rt.engine.connect() as conn:
        f = case_file(conn, app)
    assert f["status"] == "documents_answered" and f["requests"][0]["answer_message"] == "first"


def test_a_malformed_card_number_is_left_out_of_the_delivery(rt):
    from review_testkit import FORM

    form = {**FORM, "form": {**FORM["form"], "card_number": "ab-1234"}}
    o = officers_of(rt, "tokyo")
    event = verified_event(form=form)
    app = event.payload["application_id"]
    act(rt, inbound.receive, event)
    act(rt, casework.claim, o["examiner"], app)
    act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "student", "1 year"))
    act(rt, casework.confirm, o["supervisor"], app)
    assert staged(rt, "application.decided")[0]["delivery"]["old_card_number"] is None


def test_a_form_with_its_own_mailing_address_wins_over_the_registered_one(rt):
    from review_testkit import FORM

    form = {**FORM, "form": {**FORM["form"], "mailing_address": {"postal_code": "530-0001", "text": "大阪市北区1-1"}}}
    o = officers_of(rt, "tokyo")
    event = verified_event(form=form)
    app = event.payload["application_id"]
    act(rt, inbound.receive, event)
    act(rt, casework.claim, o["examiner"], app)
    act(rt, casework.propose, o["examiner"], app, Proposal("approved", o["examiner"].id, "student", "1 year"))
    act(rt, casework.confirm, o["supervisor"], app)
    delivery = staged(rt, "application.decided")[0]["delivery"]
    assert delivery["mailing_address"] == {"postal_code": "530-0001", "text": "大阪市北区1-1"}
    assert delivery["certificate_address"] == "東京都新宿区西新宿1-1-1"


def _decide(rt, procedure, form_values, bundled=(), outcome="approved"):
    from review_testkit import FORM

    o = officers_once(rt, "tokyo")
    event = verified_event(
        procedure=procedure,
        bundled=bundled,
        form={**FORM, "procedure": procedure, "form": {**FORM["form"], **form_values}},
    )
    app = event.payload["application_id"]
    act(rt, inbound.receive, event)
    act(rt, casework.claim, o["examiner"], app)
    proposal = (
        Proposal("approved", o["examiner"].id, "student", "1 year")
        if outcome == "approved"
        else Proposal("refused", o["examiner"].id, reason_codes=("x",), explanation="no")
    )
    act(rt, casework.propose, o["examiner"], app, proposal)
    act(rt, casework.confirm, o["supervisor"], app)
    return staged(rt, "application.decided")[-1]


@pytest.mark.parametrize(
    "procedure,form_values,method",
    [
        ("coe", {"coe_delivery": "email"}, "email"),
        ("coe", {"coe_delivery": "paper"}, "post"),
        ("coe", {}, "email"),
        ("employment_certificate", {"certificate_delivery": "paper"}, "post"),
        ("employment_certificate", {"certificate_delivery": "counter"}, "pdf"),  # not a choice it has: the default
        ("extension", {"card_receipt": "counter"}, "counter"),
        ("change", {}, "post"),
    ],
)
def test_an_approval_says_how_its_deliverable_reaches_the_person(rt, procedure, form_values, method):
    decided = _decide(rt, procedure, form_values)
    assert decided["delivery_method"] == method
    assert decided["specified_card"] is False and decided["outside_activity"] is None


def test_the_specified_card_choice_is_carried_only_for_a_card_procedure(rt):
    assert _decide(rt, "extension", {"specified_card": "yes"})["specified_card"] is True
    assert _decide(rt, "coe", {"specified_card": "yes"})["specified_card"] is False


def test_a_bundled_activity_permission_is_granted_with_its_conditions(rt):
    decided = _decide(
        rt,
        "extension",
        {"outside_activity": "Kitchen help", "outside_employer": "Cafe Sakura", "outside_hours_per_week": 20},
        bundled=["activity_outside_status"],
    )
    assert decided["outside_activity"] == {"hours_per_week": 20, "activity": "Kitchen help", "employer": "Cafe Sakura"}


def test_a_refusal_delivers_nothing(rt):
    decided = _decide(rt, "coe", {"coe_delivery": "email"}, outcome="refused")
    assert "delivery_method" not in decided and "outside_activity" not in decided


@pytest.mark.parametrize("outcome", ["approved", "refused"])
def test_an_extension_decision_carries_the_expiry_and_whether_the_special_period_applied(rt, outcome):
    decided = _decide(rt, "extension", {}, outcome=outcome)
    from zairyu_shared.japan_time import japan_today

    # review_testkit's submission: filed today, period of stay until 2027-01-31
    assert decided["period_of_stay_expiry"] == "2027-01-31"
    assert decided["special_period"] is (japan_today() <= date(2027, 1, 31))


def test_a_coe_decision_says_nothing_of_a_stay(rt):
    decided = _decide(rt, "coe", {}, outcome="refused")
    assert "period_of_stay_expiry" not in decided and "special_period" not in decided
