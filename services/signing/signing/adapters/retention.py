"""What signing's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

A verdict (with the holder's attributes) is evidence in the case file; signing does not learn when
the case closes, so it keeps each verdict as long as the longest case file (``signature_verdict``).
"""

from __future__ import annotations

from zairyu_shared.retention import PurgeStep

from .tables import verdicts


def purge_steps() -> list[PurgeStep]:
    return [PurgeStep("signature_verdict", verdicts, verdicts.c.id, lambda cutoff: verdicts.c.created_at < cutoff)]
