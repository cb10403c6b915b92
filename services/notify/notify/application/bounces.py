"""A bounce reported for a sent mail (by the bounce processor's API call or an operator's CLI)."""

from __future__ import annotations

from notify.adapters import metrics, store
from notify.domain import delivery


def mark_bounced(runtime, id_or_message_id: str, reason: str):
    """None: unknown notice; False: not in a state that can bounce; True: recorded."""
    notice_id = delivery.notice_id_from_message_id(id_or_message_id) or id_or_message_id
    row = store.get_notice(runtime.engine, notice_id)
    if row is None or row.channel != "email":
        return None
    changed = store.set_state(
        runtime.session_factory,
        notice_id,
        allowed_from=(delivery.SENT,),
        state=delivery.BOUNCED,
        error=f"bounced: {reason}" if reason else "bounced",
    )
    if changed is None:
        return row.state == delivery.BOUNCED or False
    metrics.NOTICES.labels(changed.notice_type, changed.language, "email", delivery.BOUNCED).inc()
    return True
