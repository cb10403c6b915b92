"""Outbox bodies under the person's data key (issue 20).

Sent rows are kept a day (retention ``outbox_sent``), so a backup holds a day's events: addresses, forms,
signed content. A personal event's body is stored sealed under its person's key; the relay opens it just
before publishing (the consumers get the JSON they always got); once the key is destroyed the body reads
nowhere, and the relay does not send it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from zairyu_shared import crypto, subject_keys
from zairyu_shared.db import add_messaging_tables, make_engine
from zairyu_shared.events import new_event
from zairyu_shared.outbox import (
    OutboxRelay,
    add_event,
    open_body,
    plain_personal_bodies,
    seal_stored_bodies,
)
from zairyu_shared.subject_keys import SubjectErased

EMAIL = "an.nguyen@example.jp"


class Recording:
    """A publisher that confirms everything and keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def publish_batch(self, messages):
        self.sent.extend((m.event_id, m.body) for m in messages)
        return {m.event_id for m in messages}, {}


@pytest.fixture
def service(tmp_path):
    metadata = sa.MetaData()
    outbox, _ = add_messaging_tables(metadata)
    subject_keys.add_subject_key_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path}/svc.db")
    metadata.create_all(engine)
    crypto.configure([crypto.new_key()])
    ring = subject_keys.bind(metadata, engine, subject_keys.TombstoneLedger(tmp_path / "ledger"))
    yield metadata, outbox, engine, ring
    engine.dispose()


def _contact_changed(applicant_id: str, email: str = EMAIL):
    return new_event(
        "applicant.contact_changed",
        {"applicant_id": applicant_id, "email": email, "language": "vi"},
        source="intake",
        correlation_id=applicant_id,
    )


def _stage(engine, outbox, ring, *events) -> None:
    with sessionmaker(engine)() as session, session.begin():
        for event in events:
            add_event(session, outbox, event, ring)


def _bodies(engine, outbox) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(outbox.c.event_id, outbox.c.body)).all())


def test_a_personal_body_is_stored_under_its_persons_key_and_opens_to_the_same_json(service):
    _, outbox, engine, ring = service
    event = _contact_changed("a-1")
    _stage(engine, outbox, ring, event)
    stored = _bodies(engine, outbox)[event.id]
    assert stored.startswith("zk1:a-1:")
    assert EMAIL not in stored and "contact_changed" not in stored
    assert open_body(stored, ring) == event.to_json()
    # The service key alone does not open it: only the person's data key does.
    with pytest.raises(Exception):
        crypto.cipher().decrypt(stored.split(":", 2)[2].encode())


def test_events_naming_no_person_and_services_without_keys_stay_plain(service):
    _, outbox, engine, ring = service
    organisation = new_event(
        "organisation.use_requested",
        {
            "organisation_id": "00000000-0000-4000-8000-000000000001",
            "name": "Kaisha KK",
            "kind": "employer",
            "corporate_number": "1234567890123",
            "address": "東京都千代田区",
            "bureau": "tokyo",
            "requested_at": datetime(2026, 12, 1, tzinfo=UTC).isoformat(),
        },
        source="intake",
        correlation_id="o",
    )
    keyless = _contact_changed("a-2")
    _stage(engine, outbox, ring, organisation)
    _stage(engine, outbox, None, keyless)  # a service without per-person keys (signing)
    bodies = _bodies(engine, outbox)
    assert bodies[organisation.id] == organisation.to_json()
    assert bodies[keyless.id] == keyless.to_json()


def test_the_relay_publishes_the_plain_json_and_skips_an_erased_persons_events(service):
    _, outbox, engine, ring = service
    kept, erased = _contact_changed("kept"), _contact_changed("gone", "gone@example.jp")
    _stage(engine, outbox, ring, kept, erased)
    with engine.begin() as conn:
        assert ring.erase(conn, "gone")
    publisher = Recording()
    relay = OutboxRelay("intake", sessionmaker(engine), outbox, publisher, keyring=ring)
    assert relay.relay_once() == 2  # both rows leave the backlog
    assert publisher.sent == [(kept.id, kept.to_json())]  # the broker never sees the erased one
    with engine.connect() as conn:
        rows = {r.event_id: r for r in conn.execute(sa.select(outbox))}
    assert rows[erased.id].sent_at is not None and "erased" in rows[erased.id].last_error
    assert rows[kept.id].last_error is None
    with pytest.raises(SubjectErased):
        open_body(rows[erased.id].body, ring)
    assert relay.observe_backlog()[0] == 0


def test_a_relay_in_another_process_reads_a_batchs_keys_with_one_query(service):
    metadata, outbox, engine, ring = service
    events = [_contact_changed(f"p{i}") for i in range(40)]
    _stage(engine, outbox, ring, *events)
    ring.cache = type(ring.cache)(1000, 300.0)  # as the consume process sees it: nothing cached
    selects: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "subject_keys" in statement:
            selects.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    publisher = Recording()
    OutboxRelay("intake", sessionmaker(engine), outbox, publisher, keyring=ring).relay_once()
    sa.event.remove(engine, "before_cursor_execute", count)
    assert len(selects) == 1
    assert [body for _, body in publisher.sent] == [e.to_json() for e in events]


def test_rotate_keys_seals_bodies_staged_before_and_check_counts_them(service):
    _, outbox, engine, ring = service
    old = _contact_changed("before")
    _stage(engine, outbox, None, old)  # staged plain, as every body was before issue 20's change
    assert plain_personal_bodies(engine, outbox) == 1
    report = seal_stored_bodies(engine, outbox, ring, batch=1)
    assert report["outbox_bodies_sealed"] == 1
    stored = _bodies(engine, outbox)[old.id]
    assert stored.startswith("zk1:before:") and EMAIL not in stored
    assert json.loads(open_body(stored, ring))["id"] == old.id
    assert plain_personal_bodies(engine, outbox) == 0
    assert seal_stored_bodies(engine, outbox, ring)["outbox_bodies_sealed"] == 0  # idempotent


def test_the_account_closing_travels_after_the_key_it_follows_is_gone(service):
    """``applicant.account_closed`` (spec ``personal=False``: who and when, nothing else) is staged after intake
    destroyed the person's key, and must reach notify; a personal event for them then is refused."""
    _, outbox, engine, ring = service
    with engine.begin() as conn:
        ring.key_for_writing(conn, "leaving")
    with engine.begin() as conn:
        ring.erase(conn, "leaving")
    closed = new_event(
        "applicant.account_closed",
        {"applicant_id": "leaving", "closed_at": datetime(2026, 12, 6, tzinfo=UTC).isoformat()},
        source="intake",
        correlation_id="leaving",
    )
    _stage(engine, outbox, ring, closed)
    assert _bodies(engine, outbox)[closed.id] == closed.to_json()
    with pytest.raises(SubjectErased):
        _stage(engine, outbox, ring, _contact_changed("leaving"))
    publisher = Recording()
    OutboxRelay("intake", sessionmaker(engine), outbox, publisher, keyring=ring).relay_once()
    assert publisher.sent == [(closed.id, closed.to_json())]


def test_a_key_made_in_a_rolled_back_savepoint_is_not_used_again(service):
    """A transaction looks each person's key up once (subject_keys.session_key); a key made inside a savepoint
    that rolled back no longer exists, so the next write makes (and stores) another."""
    metadata, outbox, engine, ring = service
    with sessionmaker(engine)() as session, session.begin():
        try:
            with session.begin_nested():
                with subject_keys.sealing(session, metadata, "p"):
                    pass  # the key is made here...
                raise RuntimeError("...and its savepoint rolls back")
        except RuntimeError:
            pass
        add_event(session, outbox, _contact_changed("p"), ring)
    stored = next(iter(_bodies(engine, outbox).values()))
    ring.cache = type(ring.cache)(10, 300.0)
    assert json.loads(open_body(stored, ring))["payload"]["email"] == EMAIL
