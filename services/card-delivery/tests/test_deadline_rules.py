"""The deadline rules, one table of cases checked twice: against the Python rule (domain/deadlines.py) and
against what production runs, the SQL the deadline check sends (the reminder's query and claim, the stall
count behind zairyu_card_deliveries_stalled), on SQLite (the embedded run) and on real PostgreSQL.

Each case is stored alone and rolled back, so a count of one says which case the SQL took, not just how many.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest
from card_delivery_testkit import make_runtime

from card_delivery.adapters import metrics, repository
from card_delivery.application.deadlines import remind_overdue_envelopes
from card_delivery.domain import deadlines
from card_delivery.domain.case import DeliveryCase, State
from card_delivery.domain.deadlines import ENVELOPE_GRACE, STALL_AFTER
from zairyu_shared import testing

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
JST = timezone(timedelta(hours=9))
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class EnvelopeCase:
    name: str
    state: State
    approved_at: datetime
    reminded: bool
    overdue: bool


ENVELOPE_CASES = [
    EnvelopeCase("a second short of 14 days", State.AWAITING_ENVELOPE, NOW - ENVELOPE_GRACE + SECOND, False, False),
    EnvelopeCase("14 days to the second", State.AWAITING_ENVELOPE, NOW - ENVELOPE_GRACE, False, True),
    EnvelopeCase("20 days", State.AWAITING_ENVELOPE, NOW - timedelta(days=20), False, True),
    EnvelopeCase("20 days, reminded already", State.AWAITING_ENVELOPE, NOW - timedelta(days=20), True, False),
    EnvelopeCase("20 days, envelope received", State.ENVELOPE_RECEIVED, NOW - timedelta(days=20), False, False),
    EnvelopeCase("20 days, postage short", State.POSTAGE_SHORTFALL, NOW - timedelta(days=20), False, False),
    EnvelopeCase("20 days, counter chosen", State.AWAITING_VISIT, NOW - timedelta(days=20), False, False),
    EnvelopeCase("20 days, paper COE", State.DOCUMENT_READY, NOW - timedelta(days=20), False, False),
    # stored as UTC whatever zone the decision carried: the same instant, the same answer
    EnvelopeCase(
        "14 days, approved in JST", State.AWAITING_ENVELOPE, (NOW - ENVELOPE_GRACE).astimezone(JST), False, True
    ),
    EnvelopeCase(
        "a second short, approved in JST",
        State.AWAITING_ENVELOPE,
        (NOW - ENVELOPE_GRACE + SECOND).astimezone(JST),
        False,
        False,
    ),
    EnvelopeCase("approved after now (clock skew)", State.AWAITING_ENVELOPE, NOW + timedelta(hours=1), False, False),
]


@dataclass(frozen=True)
class StallCase:
    name: str
    state: State
    since: datetime
    stalled: bool
    limits: dict[State, timedelta] = field(default_factory=lambda: dict(STALL_AFTER))


def _stall_cases() -> list[StallCase]:
    cases = []
    for state, limit in STALL_AFTER.items():  # every limit at its edge: more than the limit is stalled
        cases += [
            StallCase(f"{state.value}: a second under its limit", state, NOW - limit + SECOND, False),
            StallCase(f"{state.value}: exactly its limit", state, NOW - limit, False),
            StallCase(f"{state.value}: a second over its limit", state, NOW - limit - SECOND, True),
        ]
    for state in sorted(set(State) - set(STALL_AFTER), key=lambda s: s.value):  # ended: never stalled
        cases.append(StallCase(f"{state.value}: ended, 900 days", state, NOW - timedelta(days=900), False))
    dispatched = STALL_AFTER[State.DISPATCHED]
    cases += [
        StallCase(
            "dispatched in JST, a second over", State.DISPATCHED, (NOW - dispatched - SECOND).astimezone(JST), True
        ),
        StallCase("dispatched in JST, exactly", State.DISPATCHED, (NOW - dispatched).astimezone(JST), False),
        # ZAIRYU_CARD_STALL_DAYS can set a limit to 0 days: stalled as soon as any time has passed
        StallCase(
            "awaiting_envelope, limit 0, a second",
            State.AWAITING_ENVELOPE,
            NOW - SECOND,
            True,
            {**STALL_AFTER, State.AWAITING_ENVELOPE: timedelta(0)},
        ),
        StallCase(
            "awaiting_envelope, limit 0, now",
            State.AWAITING_ENVELOPE,
            NOW,
            False,
            {**STALL_AFTER, State.AWAITING_ENVELOPE: timedelta(0)},
        ),
    ]
    return cases


STALL_CASES = _stall_cases()


def _named(cases):
    return pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])


# -- the Python rule ----------------------------------------------------------------------------
@_named(ENVELOPE_CASES)
def test_the_python_rule_says_when_an_envelope_is_overdue(case):
    assert deadlines.envelope_overdue(case.state, case.approved_at, case.reminded, NOW) is case.overdue


@_named(STALL_CASES)
def test_the_python_rule_says_when_a_case_is_stalled(case):
    assert deadlines.is_stalled(case.state, case.since, NOW, case.limits) is case.stalled


# -- the SQL that runs ----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request, tmp_path_factory):
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("deadlines")
        rt = make_runtime(f"sqlite:///{folder}/card-delivery.db", f"memory://{folder.name}")
        yield rt
        rt.stop()
    else:
        with testing.fresh_database("zt_card_deadlines") as url:
            rt = make_runtime(url, "memory://card-deadlines-pg")
            yield rt
            rt.stop()


def _stored(session, state: State, approved_at: datetime, since: datetime) -> DeliveryCase:
    delivery_id = str(uuid.uuid4())
    case = DeliveryCase(
        delivery_id=delivery_id,
        application_id=f"app-{delivery_id}",
        applicant_id=f"applicant-{delivery_id}",
        procedure="extension",
        fee_yen=5500,
        approved_at=approved_at,
        name="NGUYEN VAN AN",
        postal_code="163-8001",
        mailing_address="東京都新宿区西新宿2-8-1",
        certificate_address="東京都新宿区西新宿2-8-1",
        old_card_number=None,
        state=state,
        state_since=since,
    )
    repository.insert(session, case)
    return case


def test_the_reminder_query_takes_exactly_the_cases_the_python_rule_calls_overdue(db):
    got = {}
    for case in ENVELOPE_CASES:
        with db.session_factory() as session:
            stored = _stored(session, case.state, case.approved_at, case.approved_at)
            if case.reminded:
                assert repository.mark_reminded(session, stored.delivery_id, NOW - timedelta(days=1))
            got[case.name] = remind_overdue_envelopes(db, session, NOW) == 1
            session.rollback()
    assert got == {case.name: case.overdue for case in ENVELOPE_CASES}


def test_the_stall_count_counts_exactly_the_cases_the_python_rule_calls_stalled(db):
    got = {}
    for case in STALL_CASES:
        with db.session_factory() as session:
            _stored(session, case.state, case.since - timedelta(days=1), case.since)
            stalled = metrics.refresh(session, NOW, case.limits)["stalled"]
            session.rollback()
        assert sum(stalled.values()) == stalled[case.state.value], stalled  # no other state counted
        got[case.name] = stalled[case.state.value] == 1
    assert got == {case.name: case.stalled for case in STALL_CASES}
