"""Signing's retention purge under a frozen clock (SQLite and PostgreSQL): a verdict and the holder's
attributes go 11 years from the 特定日 after the verification (as long as the longest case file)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from service_support import make_runtime

from signing.adapters.tables import verdicts
from zairyu_shared import testing
from zairyu_shared.japan_time import JAPAN


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path, test_pki):
    if request.param == "sqlite":
        rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}")
        rt.migrate()
        yield rt
        rt.stop()
        return
    with testing.fresh_database("zt_signing_ret") as url:
        rt = make_runtime(test_pki, url, f"memory://{tmp_path.name}")
        rt.migrate()
        yield rt
        rt.stop()


def test_verdicts_go_eleven_years_after_the_tokuteibi(runtime):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        for event_id, at in (("old", jst(2015, 3, 31, 23)), ("fy15", jst(2015, 4, 1, 1))):
            s.execute(
                verdicts.insert().values(
                    event_id=event_id,
                    application_id="app-" + event_id,
                    applicant_id="a",
                    verdict="verified",
                    evidence="{}",
                    holder='{"name": "X"}',
                    created_at=at,
                )
            )
    # fiscal 2014 -> 特定日 2015-04-01 -> + 11 years = 2026-04-01
    with time_machine.travel(jst(2026, 3, 31, 23, 59), tick=False):
        assert rt.purge().counts["signature_verdict"] == 0
    with time_machine.travel(jst(2026, 4, 1), tick=False):
        assert rt.purge().counts["signature_verdict"] == 1
    with rt.engine.connect() as conn:
        assert list(conn.execute(sa.select(verdicts.c.event_id)).scalars()) == ["fy15"]
