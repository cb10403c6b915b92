"""What signing's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

A verdict (with the holder's attributes) is evidence in the case file; signing does not learn when
the case closes, so it keeps each verdict as long as the longest case file (``signature_verdict``).
"""

from __future__ import annotations

from zairyu_shared.retention import PurgeStep
from zairyu_shared.subject_keys import Keyring

from . import outbox_keys
from .tables import verdicts


def purge_steps(keyring: Keyring | None = None) -> list[PurgeStep]:
    return [
        PurgeStep("signature_verdict", verdicts, verdicts.c.id, lambda cutoff: verdicts.c.created_at < cutoff),
        # The outbox bodies' day keys, once the day's rows are gone (adapters/outbox_keys.py; issue 20).
        outbox_keys.purge_step(keyring),
    ]
