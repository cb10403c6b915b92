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
