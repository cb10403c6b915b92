"""What notify's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

Notices and mails are copies of what the case file (review) holds: a notice whose delivery has ended
(sent, failed for good, bounced) goes a year after it ended. One still queued or being sent stays.
"""

from __future__ import annotations

import sqlalchemy as sa

from notify.domain import delivery
from zairyu_shared.retention import PurgeStep

from .tables import notices


def purge_steps() -> list[PurgeStep]:
    ended = sa.func.coalesce(notices.c.sent_at, notices.c.updated_at)
    return [
        PurgeStep(
            "notice",
            notices,
            notices.c.id,
            lambda cutoff: sa.and_(
                notices.c.state.in_((delivery.SENT, delivery.FAILED, delivery.BOUNCED)), ended < cutoff
            ),
        )
    ]
