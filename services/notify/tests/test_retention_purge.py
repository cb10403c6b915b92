"""Notify's retention purge under a frozen clock (SQLite and PostgreSQL): a notice whose delivery ended
goes a year later; one still waiting to be sent stays however old."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from notify_testkit import migrated_runtime

from notify.adapters.tables import notices

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    with migrated_runtime(request.param, tmp_path, "zt_notify_ret") as rt:
        yield rt


def _notice(s, state: str, ended: datetime, channel: str = "email") -> str:
    nid = str(uuid.uuid4())
    s.execute(
        notices.insert().values(
            id=nid,
            event_id=str(uuid.uuid4()),
            event_type="application.decided",
            notice_type="decided",
            channel=channel,
            recipient="applicant:a1",
            applicant_id="a1",
            language="en",
            subject="s",
            body_text="b",
            body_html="<p>b</p>",
            state=state,
            created_at=ended - timedelta(days=1),
            updated_at=ended,
            sent_at=ended if state == "sent" else None,
        )
    )
    return nid


def test_notices_go_a_year_after_their_delivery_ended(runtime):
    rt = runtime
    year = timedelta(days=365)
    with rt.session_factory() as s, s.begin():
        gone = [
            _notice(s, "sent", NOW - year - timedelta(hours=1)),
            _notice(s, "bounced", NOW - 2 * year),
            _notice(s, "sent", NOW - 2 * year, channel="inbox"),
        ]
        kept = [
            _notice(s, "sent", NOW - year + timedelta(hours=1)),
            _notice(s, "queued", NOW - 3 * year),
            _notice(s, "sending", NOW - 3 * year),
        ]
    with time_machine.travel(NOW, tick=False):
        assert rt.purge(dry_run=True).counts["notice"] == 3
        assert rt.purge().counts["notice"] == 3
    with rt.engine.connect() as conn:
        left = set(conn.execute(sa.select(notices.c.id)).scalars())
    assert left == set(kept) and not left & set(gone)
