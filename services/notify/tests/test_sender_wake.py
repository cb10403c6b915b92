"""Only a commit that made mail due wakes a sender, and only one of those waiting (issue 24): waking every sender on
every commit of the process made each of them claim, mostly nothing, a transaction each."""

from __future__ import annotations

import samples
from notify_testkit import deliver

from notify.application.sending import Sender
from notify.bootstrap import ports


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
