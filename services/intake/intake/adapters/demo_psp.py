"""The DEMO payment provider: a hosted checkout page inside intake. No money moves.

It behaves like a real PSP from intake's side: a checkout session with an unguessable id, a page
of its own (blueprints/demo_psp.py) taking a test card number, then a signed notification POSTed
over HTTP to intake's webhook (retried until it is answered 2xx, as PSPs do), and the applicant
sent back to the return URL. Its sessions live in their own table; card numbers are never stored.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from .payment_provider import SIGNATURE_HEADER, Checkout, Notification, SessionStatus, parse, sign, verify_signature
from .tables import demo_psp_sessions

log = logging.getLogger(__name__)

# Test cards, as the well-known PSP sandboxes use them.
APPROVED_CARDS = {"4242424242424242", "5555555555554444"}
DECLINED_CARDS = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}


def card_outcome(number: str) -> tuple[str, str | None]:
    """('succeeded'|'failed', reason) for a test card; ValueError for anything else."""
    digits = "".join(c for c in number or "" if not c.isspace() and c != "-")
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19):
        raise ValueError("demo_psp.not_a_card_number")
    if digits in APPROVED_CARDS:
        return "succeeded", None
    if digits in DECLINED_CARDS:
        return "failed", DECLINED_CARDS[digits]
    raise ValueError("demo_psp.not_a_test_card")


def post_notification(url: str, body: bytes, header: str, timeout: float = 5.0) -> int:
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: header, "User-Agent": "zairyu-demo-psp/1"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def deliver_in_background(url: str, body: bytes, secret: str, attempts: int = 6) -> threading.Thread:
    """Like a PSP: after the page answered, POST until a 2xx, backing off; signed afresh each time."""

    def run():
        for attempt in range(attempts):
            try:
                status = post_notification(url, body, sign(secret, body))
                if 200 <= status < 300:
                    return
                log.warning("demo PSP notification refused", extra={"status": status, "attempt": attempt})
            except OSError as exc:
                log.warning("demo PSP notification failed", extra={"error": str(exc), "attempt": attempt})
            time.sleep(min(0.5 * 2**attempt, 8))
        log.error("demo PSP gave up delivering a notification", extra={"url": url})

    thread = threading.Thread(target=run, name="demo-psp-notify", daemon=True)
    thread.start()
    return thread


class DemoProvider:
    name = "demo"

    def __init__(self, session_factory, secret: str, public_url: str, tolerance: int = 300):
        # Its sessions live in intake's database in the demo (a real PSP keeps its own).
        self.session_factory, self.secret = session_factory, secret
        self.public_url, self.tolerance = public_url.rstrip("/"), tolerance
        # How a finished checkout reaches the webhook: HTTP in the background (tests may swap it).
        self.deliver = lambda url, body: deliver_in_background(url, body, self.secret)

    def _db(self):
        return self.session_factory()

    # -- the port, as intake calls it ----------------------------------------------------------------
    def create_checkout(self, *, payment_id, amount_yen, description, return_url, notify_url, session=None) -> Checkout:
        session_id = "cs_demo_" + secrets.token_urlsafe(24)
        values = dict(
            id=session_id,
            merchant_reference=payment_id,
            amount_yen=amount_yen,
            description=description[:200],
            return_url=return_url,
            notify_url=notify_url,
            status="open",
            created_at=datetime.now(UTC),
        )
        if session is not None:  # same database in the demo: commit with the payment
            session.execute(demo_psp_sessions.insert().values(**values))
        else:
            with self._db() as db, db.begin():
                db.execute(demo_psp_sessions.insert().values(**values))
        return Checkout(session_id, f"{self.public_url}/demo-psp/checkout/{session_id}")

    def cancel(self, session_id: str, session=None) -> bool:
        stmt = (
            demo_psp_sessions.update()
            .where(demo_psp_sessions.c.id == session_id, demo_psp_sessions.c.status == "open")
            .values(status="cancelled")
        )
        if session is not None:
            return session.execute(stmt).rowcount == 1 or self._status_of(session, session_id) == "cancelled"
        with self._db() as db, db.begin():
            return db.execute(stmt).rowcount == 1 or self._status_of(db, session_id) == "cancelled"

    @staticmethod
    def _status_of(db, session_id):
        return db.execute(sa.select(demo_psp_sessions.c.status).where(demo_psp_sessions.c.id == session_id)).scalar()

    def query(self, session_id: str) -> SessionStatus | None:
        with self._db() as db:
            row = self.load(db, session_id)
        if row is None:
            return None
        outcome = None if row.status == "open" else row.status
        return SessionStatus(outcome, row.amount_yen, row.psp_reference, "card" if outcome == "succeeded" else None)

    def verify(self, body: bytes, signature_header: str | None) -> Notification:
        verify_signature(self.secret, body, signature_header, self.tolerance)
        return parse(body)

    # -- the hosted page's side ----------------------------------------------------------------------
    @staticmethod
    def load(db, session_id: str):
        if not session_id.startswith("cs_demo_") or len(session_id) > 64:
            return None
        return db.execute(sa.select(demo_psp_sessions).where(demo_psp_sessions.c.id == session_id)).first()

    def complete(self, session_id: str, card_number: str):
        """The applicant submitted the card form: settle the session, then notify intake.

        Returns (row, outcome). ValueError(message key) for a number that is not a test card;
        LookupError when the session is unknown or no longer open.
        """
        outcome, reason = card_outcome(card_number)
        at = datetime.now(UTC)
        reference = "DEMO-" + secrets.token_hex(6).upper() if outcome == "succeeded" else None
        with self._db() as db, db.begin():
            done = db.execute(
                demo_psp_sessions.update()
                .where(demo_psp_sessions.c.id == session_id, demo_psp_sessions.c.status == "open")
                .values(status=outcome, psp_reference=reference, completed_at=at)
            )
            if done.rowcount != 1:
                raise LookupError(session_id)
            row = self.load(db, session_id)
        body = self.notification_body(row, outcome, reason)
        self.deliver(row.notify_url, body)
        return row, outcome

    def notification_body(self, row, outcome: str, reason: str | None = None, event_id: str | None = None) -> bytes:
        return json.dumps(
            {
                "id": event_id or "evt_demo_" + uuid.uuid4().hex,
                "type": f"checkout.{outcome}",
                "created": int(time.time()),
                "data": {
                    "session_id": row.id,
                    "merchant_reference": row.merchant_reference,
                    "amount": row.amount_yen,
                    "currency": "JPY",
                    "method": "card",
                    "psp_reference": row.psp_reference,
                    "reason": reason,
                },
            },
            separators=(",", ":"),
        ).encode()
