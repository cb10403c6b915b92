"""The access log's signed tree heads (issue 22): published by the periodic worker and `access-log sign-head`."""

from __future__ import annotations

from review.adapters import access_log
from review.bootstrap import ports
from zairyu_shared.db import transaction


def publish(runtime):
    """Sign and publish a tree head over the access log when it grew; the head, or None (nothing new, or no
    key configured: bootstrap warned once)."""
    signer = ports(runtime).access_log_signer
    if signer is None:
        return None
    with transaction(runtime.session_factory) as session:
        return access_log.sign_head(runtime, session, signer)
