"""Mail claimed by the INSERT that writes it and handed to the process's sender (issue 24): no claiming transaction
for it, the same lease as a claimed batch, nothing lost when the process stops or dies before sending it."""

from __future__ import annotations

import threading

import pytest
import samples
import sqlalchemy as sa
from notify_testkit import deliver, make_runtime

from notify.adapters import store
from notify.adapters.tables import notices
from notify.application.sending import Handoff, Sender
from notify.bootstrap import ports
from notify.entrypoints.sender import start_sender
from zairyu_shared import testing
from zairyu_shared.testing import wait_until


def _with_handoff(rt, limit: int | None = None) -> Sender:
    """A sender of this process and its handoff, as start_sender makes them (the loop not started)."""
    handoff = Handoff(limit or rt.settings.claim_batch)
    sender = Sender(rt, handoff=handoff)
    ports(rt).senders.append(sender)
    ports(rt).handoff = handoff
    sender.waiting = True
    return sender


def _mails(rt) -> list:
    with rt.engine.connect() as c:
        return c.execute(
            sa.select(notices.c.state, notices.c.attempts, notices.c.claim_token)
            .where(notices.c.channel == "email")
            .order_by(notices.c.created_at)
        ).all()


def _statements(rt) -> list[str]:
    seen: list[str] = []
    sa.event.listen(rt.engine, "before_cursor_execute", lambda c, cur, sql, *a: seen.append(" ".join(sql.split())))
    return seen


def test_the_consumer_claims_the_mail_it_writes_and_the_sender_sends_it_without_claiming(rt, smtp):
    sender = _with_handoff(rt)
    deliver(rt, samples.registered(email="handed@example.jp"))
    sender._take_claim_wanted()  # the first round's claim taken: what follows is what the commit asks for
    deliver(rt, samples.received())
    [(state, attempts, token)] = _mails(rt)
    assert (state, attempts) == ("sending", 1) and token  # a claim, committed with the notice
    assert len(ports(rt).handoff or []) == 1
    assert sender._wake.is_set() and not sender._take_claim_wanted()  # woken to take it, not to claim
    seen = _statements(rt)
    assert sender.round() == (1, 0)
    during = list(seen)
    assert [m["To"] for m in smtp.inbox.messages] == ["handed@example.jp"]
    assert [tuple(r[:2]) for r in _mails(rt)] == [("sent", 1)]
    # Its 'sent' recorded, and no claim (SQLite's claim reads the due notices, then sets claimed_at).
    assert any("sent_at=" in s for s in during), during
    assert not any("claimed_at=" in s or s.startswith("SELECT notices.id") for s in during), during


def test_a_mail_without_an_address_or_beyond_the_handoffs_room_waits_to_be_claimed(rt, smtp):
    sender = _with_handoff(rt, limit=1)
    sender._take_claim_wanted()
    deliver(rt, samples.received())  # the applicant's registration has not arrived: no address to hand over
    assert [r.state for r in _mails(rt)] == ["queued"] and len(ports(rt).handoff or []) == 0
    assert sender._take_claim_wanted()  # the commit asked for a claim
    deliver(
        rt, samples.registered(email="room@example.jp"), samples.received(application="b", receipt="TKY-2026-000002")
    )
    assert not sender._take_claim_wanted()  # handed
    deliver(rt, samples.received(application="c", receipt="TKY-2026-000003"))  # the sender a handoff behind
    assert sorted(r.state for r in _mails(rt)) == ["queued", "queued", "sending"]  # one handed, the room full
    assert sender._take_claim_wanted()
    sender.wake()
    assert sender.round() == (1, 2)
    assert len(smtp.inbox.messages) == 3 and {r.state for r in _mails(rt)} == {"sent"}


def test_handed_mail_is_given_back_when_the_sender_stops(rt, smtp):
    sender = _with_handoff(rt)
    deliver(rt, samples.registered(), samples.received())
    sender.release_handed()
    assert [tuple(r) for r in _mails(rt)] == [("queued", 0, None)]  # due at once, not counted as an attempt
    assert Sender(rt).send_due() == 1 and len(smtp.inbox.messages) == 1


@pytest.fixture
def two_processes(smtp):
    """Two notify processes on one PostgreSQL database (fresh), the first with a sender's handoff."""
    with testing.fresh_database("zt_notify_handoff") as url:
        first = make_runtime(url, "memory://notify-handoff-1", smtp.port)
        first.migrate()
        second = make_runtime(url, "memory://notify-handoff-2", smtp.port)
        try:
            yield first, second
        finally:
            first.stop()
            second.stop()


def test_mail_handed_in_a_process_that_died_is_sent_once_by_another_after_the_lease(two_processes, smtp):
    first, second = two_processes
    _with_handoff(first)
    deliver(first, samples.registered(email="died@example.jp"), samples.received())
    # The first process dies here, its handed mail never sent. Within the lease it is nobody else's:
    other = Sender(second)
    assert other.send_due() == 0
    # After it (the lease as claim_due reads it), taken over, counted as a takeover, sent once.
    [taken] = store.claim_due(second.engine, 10, lease_seconds=0)
    assert (taken.stolen, taken.attempts, taken.address) == (True, 2, "died@example.jp")
    other._send([taken], None)
    assert [m["To"] for m in smtp.inbox.messages] == ["died@example.jp"]
    assert [r.state for r in _mails(second)] == ["sent"]


def test_the_consume_processs_senders_take_handed_mail_without_a_claim(make_rt, smtp):
    """start_sender as the consume process runs it (real threads): the mail arrives, and no claim was made for it."""
    rt = make_rt(poll_seconds=30)  # no poll in the test's time: a claim would be the wake's doing
    stop = threading.Event()
    senders, threads = start_sender(rt, stop)
    try:
        wait_until(lambda: all(s.waiting for s in senders), message="the first round (a claim of what was due) done")
        seen = _statements(rt)
        deliver(rt, samples.registered(email="process@example.jp"), samples.received())
        wait_until(lambda: len(smtp.inbox.messages) == 1, message="the mail sent")
        wait_until(lambda: all(s.waiting for s in senders), message="the round done")
        assert any("sent_at=" in s for s in seen)
        assert not any("claimed_at=" in s or s.startswith("SELECT notices.id") for s in seen), seen
    finally:
        stop.set()
        for s in senders:
            s.wake()
        for t in threads:
            t.join(10)
