"""The sender loop: claim due e-mail notices, send them outside any transaction, record outcomes.

Runs as a thread of the consumer process (``zairyu-notify consume``). Several processes may run
it at once: claims are taken with SKIP LOCKED, so no two senders take the same notice.

Residual duplicate risk, stated plainly: if the process dies after the relay accepted a mail
(250 after DATA) and before 'sent' is committed (a few milliseconds), the claim's lease expires
and the notice is sent again, with the same Message-ID so mail clients can fold the two. The
alternative (never resending an expired claim) would lose mails instead; notices must arrive.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DBAPIError, OperationalError

from notify.adapters import metrics, store
from notify.adapters.smtp import Mailer, SendFailure, build_message, sender_domain
from notify.bootstrap import ports
from notify.domain import delivery

log = logging.getLogger(__name__)

# The backlog gauges are counted at most this often: a round per mail (a quiet relay, a steady trickle)
# would otherwise count the whole queue once per mail.
BACKLOG_OBSERVE_SECONDS = 1.0


class Sender:
    def __init__(self, runtime, mailer: Mailer | None = None, clock=time.monotonic, bucket=None):
        self.runtime = runtime
        self.settings = runtime.settings
        self.mailer = mailer if mailer is not None else ports(runtime).new_mailer()
        self.clock = clock
        self.bucket = bucket or SharedBucket(
            delivery.TokenBucket(self.settings.send_rate, self.settings.send_burst, clock())
        )
        self.id_domain = self.settings.message_id_domain or sender_domain(self.settings.mail_from)
        self._wake = threading.Event()
        self.waiting = False  # between rounds, waiting for a wake or its poll
        self._observed_at = float("-inf")

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sent = self.send_due(stop)
            except Exception:  # the database went away, or a bug: log, wait, try again
                log.exception("sender round failed")
                sent = 0
            # Less than a batch: all that was due is taken. Going round again claimed nothing, a transaction after
            # every round with mail (issue 24); a mail committed since has set the wake, so the wait ends at once.
            if sent < self.settings.claim_batch:
                self.waiting = True
                self._wake.wait(self.settings.poll_seconds)
                self.waiting = False
                self._wake.clear()
        self.mailer.close()

    def send_due(self, stop: threading.Event | None = None) -> int:
        """One round: claim a batch, send it, record each outcome. Returns notices claimed."""
        claims = store.claim_due(self.runtime.engine, self.settings.claim_batch, self.settings.claim_lease_seconds)
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


def wake_for_mail(senders: list[Sender]) -> None:
    """A commit made mail due: one waiting sender takes it (its claim takes every mail due, up to a batch). Waking
    every sender, on every commit, made the others claim nothing, a transaction each (measured with bench_e2e
    at 15 applications/s: 8.7 claims an application, 1.8 of them with mail). With none waiting, all go round
    again: a mail committed during a round is never left for the poll."""
    for sender in senders:
        if sender.waiting:
            sender.wake()
            return
    for sender in senders:
        sender.wake()


class SharedBucket:
    """One rate limit for all sender threads of a process (the relay sees the process, not the thread)."""

    def __init__(self, bucket: delivery.TokenBucket):
        self.bucket = bucket
        self.lock = threading.Lock()

    def take(self, now: float) -> float:
        with self.lock:
            return self.bucket.take(now)
