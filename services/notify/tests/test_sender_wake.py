"""Only a commit that made mail due wakes a sender, and only one of those waiting (issue 24): waking every sender on
every commit of the process made each of them claim, mostly nothing, a transaction each."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import samples
from notify_testkit import deliver

from notify.application.sending import Sender
from notify.bootstrap import ports
from zairyu_shared.testing import wait_until


def _woken(senders: list[Sender]) -> list[bool]:
    woken = [s._wake.is_set() for s in senders]
    for s in senders:
        s._wake.clear()
    return woken


def test_mail_wakes_one_waiting_sender_and_a_commit_without_mail_none(rt):
    senders = [Sender(rt, mailer=None), Sender(rt, mailer=None)]  # not started: their wakes are looked at
    ports(rt).senders.extend(senders)
    for s in senders:
        s.waiting = True
    deliver(rt, samples.registered())  # the directory kept, no notice
    assert _woken(senders) == [False, False]
    deliver(rt, samples.submitted())  # a mail and an in-account notice
    assert _woken(senders) == [True, False]
    senders[0].waiting = False  # busy sending: the other one takes the next mail
    deliver(rt, samples.received())
    assert _woken(senders) == [False, True]
    senders[1].waiting = False  # both busy: both go round again, none waits for its poll with mail due
    deliver(rt, samples.received(application="another", receipt="TKY-2026-000002"))
    assert _woken(senders) == [True, True]


def _rounds_of(sender: Sender) -> list[int]:
    """What each of the sender's rounds claimed, as its loop runs them."""
    rounds: list[int] = []
    real = sender.send_due

    def counted(stop=None):
        rounds.append(real(stop))
        return rounds[-1]

    sender.send_due = counted  # type: ignore[method-assign]
    return rounds


@contextmanager
def _running(sender: Sender) -> Iterator[None]:
    """The sender's loop on a thread of its own for the block; stopped (and woken to see it) after."""
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        sender.wake()
        thread.join(10)


def test_a_round_that_took_less_than_a_batch_waits_for_a_wake_instead_of_claiming_again(make_rt, smtp):
    """Issue 24: after every round with mail the loop went round again and claimed nothing (a transaction each).
    All that was due is taken when less than a batch was: the sender waits, and a commit's wake brings it back."""
    rt = make_rt(poll_seconds=30)  # no poll in the test's time: what happens is what the wakes make happen
    deliver(rt, samples.registered(), samples.received())
    sender = Sender(rt)
    ports(rt).senders.append(sender)
    rounds = _rounds_of(sender)
    with _running(sender):
        wait_until(lambda: sender.waiting and len(smtp.inbox.messages) == 1, message="the first mail sent")
        deliver(rt, samples.received(application="another", receipt="TKY-2026-000002"))
        wait_until(lambda: sender.waiting and len(smtp.inbox.messages) == 2, message="the second mail sent")
        assert rounds == [1, 1]  # each mail's round, then a wait: no empty claim after either


def test_a_round_that_took_a_whole_batch_goes_round_again_at_once(make_rt, smtp):
    rt = make_rt(poll_seconds=30, claim_batch=1)
    deliver(rt, samples.registered(), samples.received(), samples.received(application="b", receipt="TKY-2026-000002"))
    sender = Sender(rt)
    rounds = _rounds_of(sender)
    with _running(sender):
        wait_until(lambda: sender.waiting and len(smtp.inbox.messages) == 2, message="both mails sent")
        assert rounds == [1, 1, 0]  # a full batch may have left mail due: the next round looks, the last finds none
