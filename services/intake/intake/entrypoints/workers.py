"""Background work beside intake's consumers (the service definition's workers)."""

from __future__ import annotations

from intake.application import paying
from zairyu_shared.db import transaction
from zairyu_shared.runtime import periodic_worker


def reconcile_payments(runtime) -> int:
    """A provider notification can be lost (network, our outage): ask the provider about old pending payments."""
    with transaction(runtime.session_factory) as session:
        return paying.reconcile(runtime, session)


payment_reconciler = periodic_worker("intake-payment-reconcile", "payment_reconcile_minutes", reconcile_payments)


def organisation_reminders(runtime) -> int:
    """Reminders 90/60/30 days before a roster person's stay expires (issue 21); each goes once."""
    from intake.application import organisation_people

    with transaction(runtime.session_factory) as session:
        return organisation_people.send_reminders(runtime, session)


def organisation_webhooks(runtime) -> int:
    """Webhooks due for an attempt (retried with backoff for 24 h), a few per transaction so each outcome is
    committed as it goes (a crash sends at most one batch again; the event id deduplicates it); first the approval
    lapsing warnings due today are queued (once each: fixed event ids)."""
    from intake.application import organisation_api

    with transaction(runtime.session_factory) as session:
        organisation_api.queue_lapsing(runtime, session)
    delivered = 0
    while True:
        with transaction(runtime.session_factory) as session:
            attempted, done = organisation_api.attempt_due(runtime, session)
        delivered += done
        if attempted < organisation_api.BATCH:  # each attempted row is now delivered, later or given up
            return delivered


organisation_reminder = periodic_worker(
    "intake-organisation-reminders", "organisation_reminder_minutes", organisation_reminders
)
organisation_webhook = periodic_worker(
    "intake-organisation-webhooks", "organisation_webhook_minutes", organisation_webhooks
)
