"""The sender loop: claim due e-mail notices, send them outside any transaction, record outcomes.

Runs as a thread of the consumer process (``zairyu-notify consume``). Several processes may run
it at once: claims are taken with SKIP LOCKED, so no two senders take the same notice.

A mail the consumer writes in a process whose senders run is claimed by the very INSERT that writes it and handed
to them after the commit (``Handoff``): no claiming transaction of its own (issue 24). The claim is the same lease
as a claimed batch's, so a process that dies before sending it leaves it to another sender after the lease.

Residual duplicate risk, stated plainly: if the process dies after the relay accepted a mail
(250 after DATA) and before 'sent' is committed (a few milliseconds), the claim's lease expires
and the notice is sent again, with the same Message-ID so mail clients can fold the two. The
alternative (never resending an expired claim) would lose mails instead; notices must arrive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from sqlalchemy.exc import DBAPIError, OperationalError

from notify.adapters import metrics, store
from notify.adapters.smtp import Mailer, SendFailure, build_message, sender_domain
from notify.bootstrap import ports
from notify.domain import delivery

log = logging.getLogger(__name__)

# The backlog gauges are counted at most this often: a round per mail (a quiet relay, a steady trickle)
# would otherwise count the whole queue once per mail.
BACKLOG_OBSERVE_SECONDS = 1.0


class Handoff:
    """Mails claimed by the consumer's INSERT for this process's senders, waiting for one of them. Bounded by a
    claim batch (and the one delivery batch whose transaction looked before the others committed): a sender behind
    its rate limit leaves further mail queued for a claim, so no handed claim waits much longer than a claimed
    batch would (the lease covers both)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._claims: deque[store.Claimed] = deque()

    def has_room(self) -> bool:
        return len(self._claims) < self.limit

    def put(self, claims: list[store.Claimed]) -> None:
        self._claims.extend(claims)

    def take(self, limit: int) -> list[store.Claimed]:
        taken: list[store.Claimed] = []
        while len(taken) < limit:
            try:
                taken.append(self._claims.popleft())  # atomic: several senders take from one handoff
            except IndexError:
                break
        return taken

    def __len__(self) -> int:
        return len(self._claims)


class Sender:
    def __init__(
        self,
        runtime,
        mailer: Mailer | None = None,
        clock=time.monotonic,
        bucket=None,
        handoff: Handoff | None = None,
    ):
        self.runtime = runtime
        self.settings = runtime.settings
        self.mailer = mailer if mailer is not None else ports(runtime).new_mailer()
        self.clock = clock
        self.bucket = bucket or SharedBucket(
            delivery.TokenBucket(self.settings.send_rate, self.settings.send_burst, clock())
        )
        self.id_domain = self.settings.message_id_domain or sender_domain(self.settings.mail_from)
        self.handoff = handoff
        self._wake = threading.Event()
        self.waiting = False  # between rounds, waiting for a wake or its poll
        self._observed_at = float("-inf")
        self._claim_lock = threading.Lock()
        self._claim_wanted = True  # the first round claims whatever is due

    def wake(self, claim: bool = True) -> None:
        """Go round again; ``claim``: a commit made mail due that nobody claimed (else only handed mail waits)."""
        if claim:
            with self._claim_lock:
                self._claim_wanted = True
        self._wake.set()

    def _take_claim_wanted(self) -> bool:
        with self._claim_lock:
            wanted, self._claim_wanted = self._claim_wanted, False
            return wanted

    def run(self, stop: threading.Event) -> None:
        batch = self.settings.claim_batch
        while not stop.is_set():
            try:
                handed, claimed = self.round(stop)
            except Exception:  # the database went away, or a bug: log, wait, try again
                log.exception("sender round failed")
                handed = claimed = 0
            # Less than a batch: all that was due is taken. Going round again claimed nothing, a transaction after
            # every round with mail (issue 24); a mail committed since has set the wake, so the wait ends at once.
            if handed < batch and claimed < batch:
                self.waiting = True
                woken = self._wake.wait(self.settings.poll_seconds)
                self.waiting = False
                self._wake.clear()
                if not woken:  # the poll: retries come due, mail of a sender that died, mail no wake told of
                    with self._claim_lock:
                        self._claim_wanted = True
        self.release_handed()
        self.mailer.close()

    def round(self, stop: threading.Event | None = None) -> tuple[int, int]:
        """Send the handed mail, and claim and send what is due when a wake or the poll asked for it. Returns
        (mails handed, mails claimed)."""
        handed = self.send_handed(stop)
        claimed = 0
        if self._take_claim_wanted():
            claimed = self.send_due(stop)
            if claimed >= self.settings.claim_batch:  # a whole batch: more may be due
                self.wake()
        return handed, claimed

    def send_handed(self, stop: threading.Event | None = None) -> int:
        """Send what the consumer claimed for this process (no claiming transaction). Returns mails taken."""
        if self.handoff is None:
            return 0
        return self._send(self.handoff.take(self.settings.claim_batch), stop)

    def release_handed(self) -> None:
        """Stopping: handed mail not sent is given back, due at once for any sender (not an attempt)."""
        while self.handoff is not None and (rest := self.handoff.take(self.settings.claim_batch)):
            for claim in rest:
                store.release(self.runtime.engine, claim)

    def send_due(self, stop: threading.Event | None = None) -> int:
        """One round: claim a batch, send it, record each outcome. Returns notices claimed."""
        return self._send(
            store.claim_due(self.runtime.engine, self.settings.claim_batch, self.settings.claim_lease_seconds), stop
        )

    def _send(self, claims: list[store.Claimed], stop: threading.Event | None) -> int:
        for i, claim in enumerate(claims):
            if claim.stolen:
                metrics.RECLAIMED.inc()
                log.warning("taking over an expired claim; the mail may be sent twice", extra={"notice_id": claim.id})
            wait = self.bucket.take(self.clock())
            if wait > 0 and stop is not None and stop.wait(wait):
                for rest in claims[i:]:
                    store.release(self.runtime.engine, rest)
                return i
            if wait > 0 and stop is None:
                time.sleep(wait)
            self._deliver(claim)
        if self.clock() - self._observed_at >= BACKLOG_OBSERVE_SECONDS:
            self.observe_backlog()
        return len(claims)

    def _deliver(self, claim: store.Claimed) -> None:
        if not claim.address:
            # The applicant's registration has not arrived yet: wait for it like for a relay outage.
            self._failed(claim, delivery.TRANSIENT, "no e-mail address known for the applicant yet")
            return
        mail = build_message(
            notice_id=claim.id,
            sender=self.settings.mail_from,
            to=claim.address,
            subject=claim.subject,
            text=claim.body_text,
            html=claim.body_html,
            language=claim.language,
            notice_type=claim.notice_type,
            id_domain=self.id_domain,
            attachment=claim.attachment,
        )
        started = time.perf_counter()
        try:
            self.mailer.send(mail)
        except SendFailure as exc:
            outcome = delivery.classify(exc.code)
            metrics.SMTP_SEND.labels(outcome).observe(time.perf_counter() - started)
            self._failed(claim, outcome, str(exc))
            return
        metrics.SMTP_SEND.labels(delivery.DELIVERED).observe(time.perf_counter() - started)
        if self._record(store.record_sent, claim):
            metrics.NOTICES.labels(claim.notice_type, claim.language, "email", delivery.SENT).inc()

    def _failed(self, claim: store.Claimed, outcome: str, error: str) -> None:
        s = self.settings
        after = delivery.after_failure(
            outcome, claim.attempts, s.max_attempts, s.retry_base_seconds, s.retry_max_seconds, error
        )
        if self._record(store.record_failure, claim, after):
            label = "retry" if after.state == delivery.QUEUED else after.state
            metrics.NOTICES.labels(claim.notice_type, claim.language, "email", label).inc()
            log.warning(
                "mail not delivered",
                extra={"notice_id": claim.id, "outcome": outcome, "state": after.state, "error": error[:300]},
            )

    def _record(self, fn, claim, *args) -> bool:
        """Record an outcome, holding on to it while the database is away.

        Losing a 'sent' here would resend the mail once the claim's lease expires, so keep
        trying for up to half the lease (the takeover happens only after the whole lease).
        """
        deadline = time.monotonic() + self.settings.claim_lease_seconds / 2
        delay = 0.1
        while True:
            try:
                return fn(self.runtime.engine, claim, *args)
            except (OperationalError, DBAPIError) as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning(
                    "database unavailable while recording an outcome; holding it",
                    extra={"notice_id": claim.id, "error": str(exc)[:200]},
                )
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def observe_backlog(self) -> None:
        self._observed_at = self.clock()
        queued, retrying = store.backlog(self.runtime.engine)
        metrics.QUEUED_BACKLOG.set(queued)
        metrics.RETRY_BACKLOG.set(retrying)


def wake_for_mail(senders: list[Sender], claim: bool = True) -> None:
    """A commit made mail due: one waiting sender takes it (its claim takes every mail due, up to a batch). Waking
    every sender, on every commit, made the others claim nothing, a transaction each (measured with bench_e2e
    at 15 applications/s: 8.7 claims an application, 1.8 of them with mail). With none waiting, all go round
    again: a mail committed during a round is never left for the poll. ``claim`` False: the commit's mail was all
    handed over (``Handoff``), so the woken sender only takes it."""
    for sender in senders:
        if sender.waiting:
            sender.wake(claim)
            return
    for sender in senders:
        sender.wake(claim)


class SharedBucket:
    """One rate limit for all sender threads of a process (the relay sees the process, not the thread)."""

    def __init__(self, bucket: delivery.TokenBucket):
        self.bucket = bucket
        self.lock = threading.Lock()

    def take(self, now: float) -> float:
        with self.lock:
            return self.bucket.take(now)
