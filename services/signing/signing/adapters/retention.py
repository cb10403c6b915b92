"""What signing's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

A verdict (with the holder's attributes) is evidence in the case file; signing does not learn when
the case closes, so it keeps each verdict as long as the longest case file (``signature_verdict``); its personal
fields are sealed under the key of its retention's last day, destroyed when that day's verdicts go.
"""

from __future__ import annotations

from zairyu_shared.retention import PurgeStep
from zairyu_shared.subject_keys import Keyring

from . import outbox_keys, verdict_keys
from .tables import verdicts


def purge_steps(keyring: Keyring | None = None) -> list[PurgeStep]:
    return [
        PurgeStep("signature_verdict", verdicts, verdicts.c.id, lambda cutoff: verdicts.c.created_at < cutoff),
        # Then the keys of the retention days whose verdicts are all gone, through the erasure ledger, so the
        # verdicts are unreadable in every backup too (adapters/verdict_keys.py; issue 20).
        verdict_keys.purge_step(keyring),
        # The outbox bodies' day keys, once the day's rows are gone (adapters/outbox_keys.py; issue 20).
        outbox_keys.purge_step(keyring),
    ]
