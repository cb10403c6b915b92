"""The retention periods (counted from the 特定日 in Japan) and the batched purge, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from zairyu_shared import testing
from zairyu_shared.db import add_messaging_tables, make_engine, make_session_factory
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.retention import PURGED_ROWS, RULES, Period, PurgeStep, messaging_steps, purge

README = Path(__file__).resolve().parents[2] / "README.md"


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def test_fiscal_year_period_runs_from_the_next_april_first_in_japan():
    five = Period(years=5, from_fiscal_year=True)
    # 2025-03-31 23:30 in Japan is still fiscal 2024 (and 14:30 UTC the same day): 特定日 2025-04-01.
    assert five.expires(jst(2025, 3, 31, 23, 30)) == jst(2030, 4, 1)
    # 2025-04-01 00:10 in Japan (still March 31 in UTC) is fiscal 2025: 特定日 2026-04-01.
    assert five.expires(datetime(2025, 3, 31, 15, 10, tzinfo=UTC)) == jst(2031, 4, 1)


@pytest.mark.parametrize("event", [jst(2019, 4, 1), jst(2020, 3, 31, 23, 59), jst(2019, 9, 9), jst(2020, 4, 1)])
@pytest.mark.parametrize("now", [jst(2030, 3, 31, 23, 59), jst(2030, 4, 1), jst(2030, 4, 1, 0, 1), jst(2031, 4, 1)])
def test_cutoff_agrees_with_expiry(event, now):
    """The SQL side compares the event with ``cutoff(now)``; it must say what ``expires`` says."""
    for period in (
        Period(years=10, from_fiscal_year=True),
        Period(years=5, from_fiscal_year=True),
        Period(days=90),
        Period(days=1),
    ):
        assert (event < period.cutoff(now)) == (period.expires(event) <= now), (period, event, now)


def test_every_rule_has_a_basis_and_the_readme_lists_it():
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Retention", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert listed == set(RULES)
    for rule in RULES.values():
        assert rule.basis and rule.starts


metadata = sa.MetaData()
outbox, inbox = add_messaging_tables(metadata)
things = sa.Table(
    "things",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
children = sa.Table(
    "children",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("thing_id", sa.Integer, sa.ForeignKey("things.id"), nullable=False),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/r.db")
        metadata.create_all(engine)
        yield make_session_factory(engine)
        engine.dispose()
        return
    with testing.fresh_database("zt_retention") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        yield make_session_factory(engine)
        engine.dispose()


def _steps():
    def drop_children(session, ids):
        session.execute(children.delete().where(children.c.thing_id.in_(ids)))

    return [
        PurgeStep(
            "draft_unsubmitted", things, things.c.id, lambda cutoff: things.c.updated_at < cutoff, before=drop_children
        ),
        *messaging_steps(outbox, inbox),
    ]


def test_purge_deletes_expired_rows_in_batches_counts_them_and_dry_run_deletes_nothing(factory):
    now = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    with factory() as session, session.begin():
        for i in range(1, 8):  # 5 expired (181 days), 2 kept (179 days)
            days = 181 if i <= 5 else 179
            session.execute(things.insert().values(id=i, updated_at=now - timedelta(days=days)))
            session.execute(children.insert().values(id=i, thing_id=i))
        for i, (sent, processed) in enumerate([(2, 31), (0.5, 29)]):
            session.execute(
                outbox.insert().values(
                    event_id=f"e{i}",
                    event_type="t",
                    exchange="x",
                    correlation_id="c",
                    body="{}",
                    created_at=now - timedelta(days=sent),
                    sent_at=now - timedelta(days=sent),
                )
            )
            session.execute(
                inbox.insert().values(
                    consumer="q", event_id=f"e{i}", event_type="t", processed_at=now - timedelta(days=processed)
                )
            )
        # An unsent row is never purged, however old.
        session.execute(
            outbox.insert().values(
                event_id="old-unsent",
                event_type="t",
                exchange="x",
                correlation_id="c",
                body="{}",
                created_at=now - timedelta(days=400),
            )
        )
    before = PURGED_ROWS.labels("test", "draft_unsubmitted")._value.get()
    audits = []
    with time_machine.travel(now, tick=False):
        dry = purge("test", factory, _steps(), dry_run=True, batch=2)
        assert dry.counts == {"draft_unsubmitted": 5, "outbox_sent": 1, "inbox_processed": 1}
        with factory() as session:
            assert session.execute(sa.select(sa.func.count()).select_from(things)).scalar_one() == 7
        report = purge("test", factory, _steps(), batch=2, after=lambda s, r: audits.append(dict(r.counts)))
    assert report.counts == {"draft_unsubmitted": 5, "outbox_sent": 1, "inbox_processed": 1}
    assert PURGED_ROWS.labels("test", "draft_unsubmitted")._value.get() - before == 5
    assert audits == [report.counts]  # what happened, in numbers; never which rows
    with factory() as session:
        assert sorted(session.execute(sa.select(things.c.id)).scalars()) == [6, 7]
        assert sorted(session.execute(sa.select(children.c.thing_id)).scalars()) == [6, 7]
        assert sorted(session.execute(sa.select(outbox.c.event_id)).scalars()) == ["e1", "old-unsent"]
        assert list(session.execute(sa.select(inbox.c.event_id)).scalars()) == ["e1"]
    with time_machine.travel(now, tick=False):  # nothing left: no audit entry for an empty round
        assert purge("test", factory, _steps(), after=lambda s, r: audits.append(r.counts)).counts == {
            "draft_unsubmitted": 0,
            "outbox_sent": 0,
            "inbox_processed": 0,
        }
    assert len(audits) == 1


def test_a_kept_kind_cannot_be_purged(factory):
    step = PurgeStep("case_permanent_residence", things, things.c.id, lambda cutoff: things.c.updated_at < cutoff)
    with pytest.raises(ValueError):
        purge("test", factory, [step])
