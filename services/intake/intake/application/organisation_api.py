"""The API for agents' own software (issue 21): scoped bearer tokens and webhooks.

A token is issued to a staff member signing in with password + TOTP, for the scopes asked (at most those
listed in SCOPES); only its SHA-256 is stored; it dies with the member's removal. Webhooks: the organisation
names one HTTPS endpoint and the event types it receives (domain/webhooks.EVENT_TYPES: the bureau's answer to its
application for use, its approval lapsing soon, and what happens to the applications it filed: received, documents
requested, decided, closed, the card or document posted, delivered, held at the counter, collected), each queued in
the consumer's transaction, or the worker's for the lapsing warning (``organisation_webhook_deliveries``,
keyed by event id, so a redelivered event queues nothing twice) and delivered by a worker with an HMAC and a
timestamp, retried with backoff for 24 hours (domain/webhooks.py).

A delivery about a person (an application event: their roster entry, application and what the bureau decided) is
stored sealed under the roster entry's data key (``zk1:<entry>:...``, as the outbox seals bodies): once the entry's
key is destroyed (its retention ended, through the erasure ledger) it is unreadable in every backup too, and an
unsent one is given up rather than sent (issue 20). The organisation's own events (its approval) stay plain.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

import sqlalchemy as sa

from intake.adapters.organisation_tables import (
    api_tokens,
    org_drafts,
    organisation_staff,
    organisations,
    people,
    webhook_deliveries,
    webhook_events,
    webhooks,
)
from intake.adapters.tables import metadata
from intake.domain import webhooks as rules
from zairyu_shared.crypto import SubjectErased
from zairyu_shared.db import statement_once
from zairyu_shared.outbox import SEALED_PREFIX, open_body, seal_body
from zairyu_shared.subject_keys import keyring_of

from . import organisation_people
from .common import aware, now, today_jst, token, token_hash
from .organisations import Invalid, staff_sign_in

log = logging.getLogger("intake.webhooks")
SCOPES = ("organisation", "roster", "drafts", "webhooks", "filing")  # filing: submissions without a card
TOKEN_HOURS = 12


@dataclass(frozen=True)
class TokenHolder:
    organisation_id: str
    staff_id: str
    scopes: frozenset[str]


def issue_token(runtime, session, email: str, password: str, code: str, scopes: list[str]) -> tuple[str, datetime]:
    wanted = set(scopes or ())
    if not wanted or not wanted <= set(SCOPES):
        raise Invalid({"scopes": "error.choice"})
    staff_id, _outcome = staff_sign_in(runtime, session, email, password, code)
    if staff_id is None:
        raise PermissionError("org.error.sign_in")
    org_id = session.execute(
        sa.select(organisation_staff.c.organisation_id).where(organisation_staff.c.id == staff_id)
    ).scalar_one()
    value, expires = "zo_" + token(), now() + timedelta(hours=TOKEN_HOURS)
    session.execute(
        api_tokens.insert().values(
            token_hash=token_hash(value),
            organisation_id=org_id,
            staff_id=staff_id,
            scopes=" ".join(sorted(wanted)),
            expires_at=expires,
            created_at=now(),
        )
    )
    return value, expires


def holder(session, value: str | None) -> TokenHolder | None:
    """The token's holder while it is unexpired and its member not removed; else None."""
    if not value:
        return None
    row = session.execute(
        sa.select(api_tokens)
        .join(organisation_staff, organisation_staff.c.id == api_tokens.c.staff_id)
        .where(api_tokens.c.token_hash == token_hash(value), organisation_staff.c.removed_at.is_(None))
    ).first()
    if row is None or aware(row.expires_at) <= now():
        return None
    return TokenHolder(row.organisation_id, row.staff_id, frozenset(row.scopes.split()))


# -- webhooks ------------------------------------------------------------------------------------------
def set_webhook(runtime, session, organisation_id: str, url: str, events: list[str] | None = None) -> str:
    """Names the endpoint (HTTPS; plain HTTP only in the embedded demo) and what it receives (``events``, event types
    of domain/webhooks.EVENT_TYPES; none given: DEFAULT_EVENTS) and returns a fresh signing secret."""
    try:
        parsed = urlparse(url or "")
        parsed.port  # noqa: B018 (raises on a port out of range)
    except ValueError:  # e.g. "https://[::1" or a port out of range
        raise Invalid({"url": "org.error.webhook_url"}) from None
    allowed = ("https",) if not runtime.settings.embedded else ("https", "http")
    if parsed.scheme not in allowed or not parsed.hostname or len(url) > 500:
        raise Invalid({"url": "org.error.webhook_url"})
    if not runtime.settings.embedded and rules.inside_address(parsed.hostname):
        raise Invalid({"url": "org.error.webhook_url"})
    chosen = _checked_events(events if events is not None else list(rules.DEFAULT_EVENTS))
    secret = secrets.token_urlsafe(32)
    session.execute(webhooks.delete().where(webhooks.c.organisation_id == organisation_id))
    session.execute(webhooks.insert().values(organisation_id=organisation_id, url=url, secret=secret, created_at=now()))
    _store_events(session, organisation_id, chosen)
    return secret


def _checked_events(events: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen or any(e not in rules.EVENT_TYPES for e in chosen):
        raise Invalid({"events": "error.choice"})
    return chosen


def _store_events(session, organisation_id: str, events: list[str]) -> None:
    session.execute(webhook_events.delete().where(webhook_events.c.organisation_id == organisation_id))
    session.execute(webhook_events.insert(), [{"organisation_id": organisation_id, "event_type": e} for e in events])


class NoWebhook(LookupError):
    pass


def set_events(session, organisation_id: str, events: list[str]) -> list[str]:
    """Changes what the named endpoint receives, keeping its address and secret (NoWebhook if none is named).
    Deliveries already queued still go; events of a type no longer chosen are not queued from now on."""
    chosen = _checked_events(events)
    if session.execute(sa.select(webhooks.c.url).where(webhooks.c.organisation_id == organisation_id)).first() is None:
        raise NoWebhook(organisation_id)
    _store_events(session, organisation_id, chosen)
    return subscribed(session, organisation_id)


def subscribed(session, organisation_id: str) -> list[str]:
    """The event types the organisation's endpoint receives, in the catalogue's order."""
    chosen = set(
        session.execute(
            sa.select(webhook_events.c.event_type).where(webhook_events.c.organisation_id == organisation_id)
        ).scalars()
    )
    return [e for e in rules.EVENT_TYPES if e in chosen]


def queue_decision(session, organisation_id: str, event) -> None:
    """The bureau's answer to the organisation's application for use (organisation.use_decided), as it came."""
    _queue(session, organisation_id, event.id, event.type, event.occurred_at, event.data)


# What an organisation hears about the applications it filed (domain/webhooks.EVENT_TYPES), each with these fields.
# Only what its staff may see on the dashboard anyway (no applicant account id, no signed content).
APPLICATION_EVENTS = {
    "application.received": ("receipt_number", "bureau", "office", "procedure", "received_at"),
    "application.documents_requested": ("request_id", "items", "deadline"),
    "application.decided": (
        "procedure",
        "outcome",
        "granted_status",
        "period_of_stay",
        "period_of_stay_expiry",
        "fee_yen",
        "decided_at",
        "receipt_number",
    ),
    "application.closed": ("reason", "closed_at"),
    "card.dispatched": ("tracking_number", "occurred_at"),
    "document.dispatched": ("kind", "tracking_number", "occurred_at"),
    "document.delivered": ("kind", "occurred_at"),
    "document.returned": ("kind", "reason_code", "occurred_at"),
    "card.delivered": ("occurred_at",),
    # The reason as a code (card.returned v2; vocabulary.RETURN_REASONS), not the words the clerk copied.
    "card.returned": ("reason_code", "occurred_at"),
    "card.held_at_counter": ("reason", "occurred_at"),
    "card.collected": ("occurred_at",),
}


# An application an organisation filed names its draft in its idempotency key: "org:<draft>" (signed with a staff
# member's card, organisation_filing) or "os:<batch>:<draft>" (without a card, organisation_staff_filing). Only
# those are looked up: no statement for the applicants' own applications (an own key that happens to start so is
# looked up, and nothing is found).
FILED_KEY_PREFIXES = ("org:", "os:")


def filed_by_an_organisation(application) -> bool:
    """Whether an organisation may have filed ``application`` (a row with its idempotency_key): only then is the
    filing looked up (its webhook, its roster entry)."""
    return application.idempotency_key.startswith(FILED_KEY_PREFIXES)


def queue_application_event(session, application, event) -> None:
    """In the consumer's transaction: an event about an application an organisation filed goes to its webhook.

    Only while the person is on its roster and their consent is in force for the account the application belongs
    to (as for answering document requests, organisation_requests._filed): after a withdrawal, or once a consent
    document's last day has passed, the organisation hears nothing. ``application``: its id, applicant_id and
    idempotency_key.
    """
    if event.type not in APPLICATION_EVENTS or not filed_by_an_organisation(application):
        return
    filed = session.execute(
        statement_once(
            ("intake.filed_by_organisation",),
            lambda: (
                sa.select(
                    org_drafts.c.id,
                    org_drafts.c.organisation_id,
                    org_drafts.c.person_id,
                    people.c.removed_at,
                    people.c.consent,
                    people.c.consent_document_until,
                    people.c.consent_applicant_id,
                    people.c.held_applicant_id,
                )
                .join(people, people.c.id == org_drafts.c.person_id)
                .where(
                    org_drafts.c.submitted_application_id == sa.bindparam("filed_application_id"),
                    people.c.organisation_id == org_drafts.c.organisation_id,
                    people.c.removed_at.is_(None),
                )
            ),
        ),
        {"filed_application_id": application.id},
    ).first()
    if filed is None or organisation_people.filing_account_id(filed) != application.applicant_id:
        return
    data = {
        "application_id": application.id,
        "draft_id": filed.id,
        "person_id": filed.person_id,
        **{k: event.data.get(k) for k in APPLICATION_EVENTS[event.type]},
    }
    _queue(session, filed.organisation_id, event.id, event.type, event.occurred_at, data)


def queue_lapsing(runtime, session, today: date | None = None) -> int:
    """``organisation.approval_lapsing`` for each approved organisation whose approval's last day is LAPSING_DAYS
    away (the nearest threshold reached, once: its event id is fixed by organisation, last day and threshold).
    Only for an endpoint subscribed to it; a renewal decided since moves the last day, and the warnings start
    again for the new one. Returns how many were queued."""
    from intake.domain import organisations as org_rules

    today = today or today_jst()
    rows = session.execute(
        sa.select(organisations.c.id, organisations.c.approved_until, organisations.c.status)
        .join(webhook_events, webhook_events.c.organisation_id == organisations.c.id)
        .where(
            webhook_events.c.event_type == "organisation.approval_lapsing",
            organisations.c.status == org_rules.APPROVED,
            organisations.c.approved_until.is_not(None),
            organisations.c.approved_until >= today,
        )
    ).all()
    queued = 0
    renew_url = f"{(runtime.settings.public_url or '').rstrip('/')}/org/"
    for row in rows:
        ids = {d: rules.lapsing_event_id(row.id, row.approved_until, d) for d in rules.LAPSING_DAYS}
        sent = set(
            session.execute(
                sa.select(webhook_deliveries.c.event_id).where(
                    webhook_deliveries.c.organisation_id == row.id, webhook_deliveries.c.event_id.in_(ids.values())
                )
            ).scalars()
        )
        days = rules.lapsing_due(row.approved_until, today, {d for d, i in ids.items() if i in sent})
        if days is None:
            continue
        data = {
            "organisation_id": row.id,
            "approved_until": row.approved_until,
            "days_left": (row.approved_until - today).days,
            "renew_url": renew_url,
        }
        queued += _queue(session, row.id, ids[days], "organisation.approval_lapsing", now(), data)
    return queued


def _queue(session, organisation_id: str, event_id: str, event_type: str, occurred_at, data: dict) -> int:
    """One delivery per organisation and event id (a redelivered event adds nothing); none without an endpoint
    subscribed to the event's type. Returns 1 when queued."""
    if (
        session.execute(
            sa.select(webhook_events.c.event_type).where(
                webhook_events.c.organisation_id == organisation_id, webhook_events.c.event_type == event_type
            )
        ).first()
        is None
        or session.execute(
            sa.select(webhooks.c.organisation_id).where(webhooks.c.organisation_id == organisation_id)
        ).first()
        is None
    ):
        return 0
    exists = session.execute(
        sa.select(webhook_deliveries.c.event_id).where(
            webhook_deliveries.c.event_id == event_id, webhook_deliveries.c.organisation_id == organisation_id
        )
    ).first()
    if exists is not None:
        return 0
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "occurred_at": occurred_at.isoformat(),
            "data": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()},
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    if data.get("person_id"):  # about a person: under their roster entry's own key (issue 20)
        body = seal_body(session, keyring_of(metadata), str(data["person_id"]), body)
    at = now()
    session.execute(
        webhook_deliveries.insert().values(
            event_id=event_id, organisation_id=organisation_id, body=body, created_at=at, next_attempt_at=at
        )
    )
    return 1


def _opened(body: str) -> str | None:
    """A delivery's body as sent; None once the roster entry it was sealed under is erased."""
    if not body.startswith(SEALED_PREFIX):
        return body
    try:
        return open_body(body, keyring_of(metadata))
    except SubjectErased:
        return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx (retried), never followed: it could point inside our network."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class AddressRefused(OSError):
    pass


def _check_resolves_outside(url: str) -> None:
    """Checked again at each delivery: the name may have been pointed inside our network since it was named.
    (A name that changes between this look-up and the connection's own is not caught: the residual risk.)"""
    host = urlparse(url).hostname or ""
    port = urlparse(url).port or 443
    for *_rest, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        if rules.inside_address(str(sockaddr[0])):
            raise AddressRefused(host)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def recent_deliveries(session, organisation_id: str, limit: int = 50) -> dict:
    """The endpoint named (never its secret) and the newest deliveries with what became of each."""
    url = session.execute(sa.select(webhooks.c.url).where(webhooks.c.organisation_id == organisation_id)).scalar()
    rows = session.execute(
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.organisation_id == organisation_id)
        .order_by(webhook_deliveries.c.created_at.desc())
        .limit(limit)
    ).all()
    listed = []
    for r in rows:
        state = "delivered" if r.delivered_at else "given_up" if r.given_up_at else "pending"
        body = _opened(r.body)
        listed.append(
            {
                "event_id": r.event_id,
                "type": json.loads(body)["type"] if body is not None else None,  # None: its person was erased
                "state": state,
                "attempts": r.attempts,
                "created_at": aware(r.created_at),
                "next_attempt_at": aware(r.next_attempt_at) if state == "pending" else None,
                "delivered_at": aware(r.delivered_at),
                "given_up_at": aware(r.given_up_at),
                "last_error": r.last_error,
            }
        )
    return {"url": url, "events": subscribed(session, organisation_id) if url else [], "deliveries": listed}


BATCH = 10  # deliveries attempted per transaction (their rows stay locked meanwhile)


def deliver_due(runtime, session, at: datetime | None = None) -> int:
    """One attempt for every due delivery (up to 100); returns how many were delivered."""
    return attempt_due(runtime, session, at, limit=100)[1]


def attempt_due(runtime, session, at: datetime | None = None, limit: int = BATCH) -> tuple[int, int]:
    """One attempt for up to ``limit`` due deliveries: (how many were attempted, how many delivered)."""
    at = at or now()
    due = session.execute(
        sa.select(webhook_deliveries, webhooks.c.url, webhooks.c.secret)
        .join(webhooks, webhooks.c.organisation_id == webhook_deliveries.c.organisation_id)
        .where(
            webhook_deliveries.c.delivered_at.is_(None),
            webhook_deliveries.c.given_up_at.is_(None),
            webhook_deliveries.c.next_attempt_at <= at,
        )
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
        # Two consume processes never send the same delivery at once (PostgreSQL; SQLite ignores it).
        .with_for_update(of=webhook_deliveries, skip_locked=True)
    ).all()
    delivered = 0
    for row in due:
        opened = _opened(row.body)
        if opened is None:  # the person's roster entry was erased meanwhile: nothing of them goes out
            session.execute(
                webhook_deliveries.update()
                .where(
                    (webhook_deliveries.c.event_id == row.event_id)
                    & (webhook_deliveries.c.organisation_id == row.organisation_id)
                )
                .values(given_up_at=at, last_error="not sent: its person's roster entry was erased")
            )
            continue
        body = opened.encode()
        # Signed when sent, not when the batch began: a receiver refuses a timestamp more than 5 minutes off.
        stamp = int(max(at, now()).timestamp())
        headers = {
            "Content-Type": "application/json",
            "X-Zairyu-Event-Id": row.event_id,
            "X-Zairyu-Timestamp": str(stamp),
            "X-Zairyu-Signature": rules.signature(row.secret, stamp, body),
        }
        try:
            if not runtime.settings.embedded:
                _check_resolves_outside(row.url)
            status, error = _post(row.url, body, headers), None
        except (OSError, ValueError) as exc:
            status, error = 0, type(exc).__name__
        key = (webhook_deliveries.c.event_id == row.event_id) & (
            webhook_deliveries.c.organisation_id == row.organisation_id
        )
        attempts = row.attempts + 1
        if 200 <= status < 300:
            session.execute(
                webhook_deliveries.update().where(key).values(attempts=attempts, delivered_at=at, last_error=None)
            )
            delivered += 1
            continue
        following = rules.next_attempt(aware(row.created_at), attempts, at)
        session.execute(
            webhook_deliveries.update()
            .where(key)
            .values(
                attempts=attempts,
                last_error=(error or f"HTTP {status}")[:300],
                next_attempt_at=following or at,
                given_up_at=None if following else at,
            )
        )
        log.info(
            "webhook %s to organisation %s failed (%s), attempt %d",
            row.event_id,
            row.organisation_id,
            error or status,
            attempts,
        )
    return len(due), delivered
