"""Against real PostgreSQL and RabbitMQ: card-number uniqueness under concurrency, and the
scenario approved -> envelope -> issued -> dispatched -> delivered with the card.* events on the bus."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from card_delivery_testkit import decision_payload, lookup, make_runtime, sign_in
from kombu import Connection, Exchange, Producer, Queue

from card_delivery.adapters import cards, repository
from card_delivery.adapters.tables import cards as cards_table
from card_delivery.adapters.tables import delivery_cases
from card_delivery.application.opening import open_case
from card_delivery.application.transitions import issue_card, receive_envelope
from card_delivery.bootstrap import CardDeliveryPorts
from card_delivery.domain.card_number import is_card_number
from card_delivery.domain.case import IllegalTransition, State
from card_delivery.entrypoints.service import definition
from zairyu_shared import testing
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing_databases import migrated_database

THREADS = 12
TODAY = date(2026, 12, 7)  # Japan's day the public check is asked on


@pytest.fixture
def pg_runtime():
    with migrated_database(definition, "zt_card") as url:
        rt = make_runtime(url, "memory://card-pg")
        yield rt
        rt.stop()


def run_together(n, work):
    """Start n threads at the same instant; re-raise the first failure."""
    barrier, errors, results = threading.Barrier(n), [], [None] * n

    def body(i):
        try:
            barrier.wait(10)
            results[i] = work(i)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def test_random_numbers_stay_unique_with_many_concurrent_issuers(pg_runtime):
    def allocate_many(i):
        got = []
        for _ in range(20):
            with transaction(pg_runtime.session_factory) as session:
                got.append(cards.allocate(session, f"d-{i}", datetime.now(UTC)))
        return got

    numbers = [n for batch in run_together(THREADS, allocate_many) for n in batch]
    assert len(numbers) == THREADS * 20 == len(set(numbers))
    assert all(is_card_number(n) for n in numbers)
    with pg_runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cards_table)).scalar() == THREADS * 20


def test_colliding_draws_under_concurrency_retry_until_each_case_has_its_own_number(pg_runtime):
    """Every issuer draws the same sequence, so all collide on the first numbers: the unique index
    and the savepoint retry must still give each case a distinct number, with no error."""
    sequence = [f"QQ{i:08d}ZZ" for i in range(THREADS + 4)]
    draws = []
    ids = []
    for i in range(THREADS):
        with transaction(pg_runtime.session_factory) as session:
            case = open_case(pg_runtime, session, new_decision(f"app-{i}", f"AB{i:08d}CD"))
            receive_envelope(pg_runtime, session, case.delivery_id, fee_paid_yen=5500, old_card_number=f"AB{i:08d}CD")
        ids.append(case.delivery_id)

    each_issuer = threading.local()

    def draw():
        draws.append(1)
        if not hasattr(each_issuer, "sequence"):
            each_issuer.sequence = iter(sequence)
        return next(each_issuer.sequence)

    pg_runtime.ports = CardDeliveryPorts(draw_card_number=draw)  # a fake draw: the same sequence in every thread

    def issue(i):
        with transaction(pg_runtime.session_factory) as session:
            return issue_card(pg_runtime, session, ids[i]).card_number

    numbers = run_together(THREADS, issue)
    assert sorted(numbers) == sequence[:THREADS]
    assert len(draws) > THREADS  # collisions really happened and were retried
    with pg_runtime.session_factory() as session:
        for i, delivery_id in enumerate(ids):
            assert repository.get(session, delivery_id).state is State.CARD_ISSUED
            for number, status in ((f"AB{i:08d}CD", "invalid"), (numbers[i], "valid")):
                printed = cards.valid_until(session, number) or TODAY  # the date on the card's front
                assert cards.lookup(session, number, printed, TODAY) == status


def test_two_officers_issuing_the_same_case_at_once_give_it_one_card(pg_runtime):
    with transaction(pg_runtime.session_factory) as session:
        case = open_case(pg_runtime, session, new_decision("app-twice", "AB00000042CD"))
        receive_envelope(pg_runtime, session, case.delivery_id, fee_paid_yen=5500, old_card_number="AB00000042CD")
    outcomes = []

    def issue(_i):
        try:
            with transaction(pg_runtime.session_factory) as session:
                issue_card(pg_runtime, session, case.delivery_id, officer=f"officer-{_i}")
            outcomes.append("issued")
        except IllegalTransition:
            outcomes.append("refused")

    run_together(2, issue)
    assert sorted(outcomes) == ["issued", "refused"]
    with pg_runtime.engine.connect() as conn:
        issued = conn.execute(
            sa.select(sa.func.count()).select_from(cards_table).where(cards_table.c.origin == "issued")
        ).scalar()
        events = conn.execute(
            sa.select(sa.func.count())
            .select_from(pg_runtime.outbox)
            .where(pg_runtime.outbox.c.event_type == "card.issued")
        ).scalar()
    assert (issued, events) == (1, 1)


def new_decision(application_id, old_card):
    payload = decision_payload(application_id, old_card=old_card)
    return new_event("application.decided", payload, source="review", correlation_id=application_id).data


# -- the scenario through RabbitMQ --------------------------------------------------------------
def drain(conn, queue, want, timeout=20.0):
    """Take messages off the test queue until ``want`` event types have arrived (bounded)."""
    got = []

    def more():
        while True:
            message = queue(conn.default_channel).get(no_ack=True)
            if message is None:
                break
            got.append(json.loads(message.body))
        return [e["type"] for e in got] if len(got) >= want else None

    testing.wait_until(more, timeout=timeout, message=f"{want} card events")
    return got


def test_approved_to_delivered_through_rabbitmq_and_postgresql():
    with testing.fresh_database("zt_card") as db_url, testing.fresh_vhost("zt-card") as amqp_url:
        rt = make_runtime(db_url, amqp_url)
        try:
            card_events = Queue(
                "test.card-events",
                Exchange("card-delivery.events", type="topic", durable=True),
                routing_key="card.#",
                durable=False,
                auto_delete=False,
            )
            with Connection(amqp_url) as conn:
                rt.declare()
                card_events(conn.default_channel).declare()
                rt.start_background()

                decision = new_event(
                    "application.decided", decision_payload("app-rmq"), source="review", correlation_id="app-rmq"
                )
                Producer(conn.default_channel).publish(
                    decision.to_json().encode(),
                    exchange=Exchange("review.events", type="topic", durable=True),
                    routing_key="application.decided",
                    content_type="application/json",
                    content_encoding="binary",
                    message_id=decision.id,
                    correlation_id="app-rmq",
                    type="application.decided",
                )

                def opened():
                    with rt.engine.connect() as db:
                        return db.execute(
                            sa.select(delivery_cases.c.delivery_id).where(delivery_cases.c.application_id == "app-rmq")
                        ).scalar()

                delivery_id = testing.wait_until(opened, message="delivery case opened by the consumer")

                app = definition.create_app(rt)
                app.config["TESTING"] = True
                mailroom = sign_in(app.test_client(), rt)
                url = f"/mailroom/cases/{delivery_id}"
                assert (
                    mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code
                    == 302
                )
                assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
                assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302
                assert mailroom.post(f"{url}/delivered").status_code == 302

                events = drain(conn, card_events, 4)
                assert [e["type"] for e in events] == [
                    "card.envelope_received",
                    "card.issued",
                    "card.dispatched",
                    "card.delivered",
                ]
                assert {e["payload"]["delivery_id"] for e in events} == {delivery_id}
                assert all(e["correlation_id"] == "app-rmq" and e["source"] == "card-delivery" for e in events)
                issued = events[1]["payload"]
                assert issued["old_card_number"] == "AB12345678CD" and is_card_number(issued["card_number"])
                assert events[2]["payload"]["tracking_number"] == "123456789012"

                public = app.test_client()
                assert lookup(public, issued["card_number"]) == "valid" and lookup(public, "AB12345678CD") == "invalid"

                # the envelope came, so the 14-day check has nothing to remind, even a month later
                from card_delivery.application.deadlines import check_deadlines

                assert check_deadlines(rt, datetime.now(UTC) + timedelta(days=30))["reminded"] == 0
        finally:
            rt.stop()
