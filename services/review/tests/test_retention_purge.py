"""Review's retention purge under a frozen clock (SQLite and PostgreSQL): a closed case file goes 10 years
after the 特定日 following its decision, with everything hanging off it; officers' sessions (their IPs)
90 days after expiry; the audit chain records how many rows went, stays intact, and names none of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from review.adapters import audit
from review.adapters import tables as t
from zairyu_shared.japan_time import JAPAN


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


def _case(s, app_id: str, *, is_open: bool, decided: datetime | None, received: datetime) -> None:
    s.execute(
        t.cases.insert().values(
            application_id=app_id,
            applicant_id="ap-" + app_id,
            receipt_number="R" + app_id,
            bureau="tokyo",
            procedure="extension",
            status_of_residence="engineer",
            nationality="VNM",
            language="vi",
            status="decided" if decided else "under_examination",
            is_open=is_open,
            submitted_at=received,
            received_at=received,
            card_by_mail=False,
            provisional_number="P" + app_id,
            content_sha256="0" * 64,
            form=json.dumps({"name": "X"}),
            evidence="{}",
            outcome="refused" if decided else None,
            decided_at=decided,
        )
    )
    s.execute(t.case_history.insert().values(application_id=app_id, at=received, kind="received", actor="system"))
    s.execute(t.notes.insert().values(application_id=app_id, author="o1", at=received, body="note"))


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request):
    return request.getfixturevalue("rt" if request.param == "sqlite" else "pg_rt")


def test_closed_cases_and_old_sessions_go_and_the_audit_counts_them(runtime):
    rt = runtime
    now = jst(2026, 4, 1, 0, 5)
    with rt.session_factory() as s, s.begin():
        _case(s, "old", is_open=False, decided=jst(2016, 3, 31, 23, 0), received=jst(2015, 12, 1))  # fiscal 2015
        _case(s, "fy16", is_open=False, decided=jst(2016, 4, 1, 0, 10), received=jst(2016, 1, 1))  # fiscal 2016
        _case(s, "open", is_open=True, decided=None, received=jst(2010, 1, 1))
        s.execute(t.signature_rejections.insert().values(application_id="rej", reason="bad", at=jst(2015, 5, 1)))
        s.execute(
            t.officers.insert().values(
                id="o1", username="o1", display_name="O", role="examiner", password_hash="x", totp_secret="s"
            )
        )
        for token, expired_days in (("a" * 64, 91), ("b" * 64, 89)):
            s.execute(
                t.officer_sessions.insert().values(
                    token_sha256=token,
                    officer_id="o1",
                    created_at=now - timedelta(days=expired_days + 1),
                    last_seen_at=now - timedelta(days=expired_days + 1),
                    expires_at=now - timedelta(days=expired_days),
                    ip="203.0.113.7",
                )
            )
        audit.append(s, "system", "case.received", application_id="old")
    with time_machine.travel(jst(2026, 3, 31, 23, 55), tick=False):
        early = rt.purge()
    assert early.counts["case_closed"] == 0 and early.counts["ip_address"] == 1
    with time_machine.travel(now, tick=False):
        report = rt.purge()
    assert report.counts["case_closed"] == 2  # the case and the rejected signature
    with rt.engine.connect() as conn:
        assert set(conn.execute(sa.select(t.cases.c.application_id)).scalars()) == {"fy16", "open"}
        assert set(conn.execute(sa.select(t.case_history.c.application_id)).scalars()) == {"fy16", "open"}
        assert set(conn.execute(sa.select(t.notes.c.application_id)).scalars()) == {"fy16", "open"}
        assert list(conn.execute(sa.select(t.officer_sessions.c.token_sha256)).scalars()) == ["b" * 64]
        entries = [dict(e) for e in audit.entries(conn)]
        assert audit.verify_chain(conn)[1] == []
    purges = [e for e in entries if e["action"] == "retention.purged"]
    assert [json.loads(e["detail"]) for e in purges] == [{"counts": {"ip_address": 1}}, {"counts": {"case_closed": 2}}]
    assert all(e["application_id"] is None and e["target"] is None for e in purges)
    # The audit entry about the purged case stays (audit_entry: kept).
    assert any(e["action"] == "case.received" and e["application_id"] == "old" for e in entries)


def test_an_organisation_s_ended_use_goes_five_years_from_the_tokutei_bi(runtime):
    """Refused, or approved until a day in fiscal 2020: gone from 2026-04-01 (特定日 2021-04-01 + 5 years);
    approved into fiscal 2021 or still pending: kept."""
    from datetime import date

    from review.adapters.organisation_tables import organisation_requests as req

    rt = runtime
    decided = jst(2020, 6, 1, 12)
    rows = {
        "refused": ("refused", None),
        "ended": ("approved", date(2021, 3, 31)),
        "next-year": ("approved", date(2021, 4, 1)),
        "pending": ("pending", None),
    }
    with rt.session_factory() as s, s.begin():
        for org, (status, until) in rows.items():
            s.execute(
                req.insert().values(
                    organisation_id=org,
                    bureau="tokyo",
                    name="株式会社サンプル",
                    kind="employer",
                    address="東京都",
                    status=status,
                    requested_at=decided - timedelta(days=30),
                    decided_at=decided if status != "pending" else None,
                    approved_until=until,
                )
            )
    with time_machine.travel(jst(2026, 3, 31, 23, 59), tick=False):
        assert rt.purge().counts.get("organisation_use", 0) == 0
    with time_machine.travel(jst(2026, 4, 1, 0, 1), tick=False):
        assert rt.purge().counts["organisation_use"] == 2
    with rt.engine.connect() as conn:
        assert set(conn.execute(sa.select(req.c.organisation_id)).scalars()) == {"next-year", "pending"}
