"""Card-delivery's retention purge under a frozen clock (SQLite and PostgreSQL): an ended delivery goes
5 years from the 特定日 after it ended, with its history; its card number stays known (never reissued)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from card_delivery_testkit import make_runtime

from card_delivery.adapters.tables import cards, case_history, delivery_cases
from card_delivery.entrypoints.service import definition
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.testing_databases import migrated_database


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    if request.param == "sqlite":
        rt = make_runtime(f"sqlite:///{tmp_path}/c.db", f"memory://{tmp_path.name}")
        yield rt
        rt.stop()
        return
    with migrated_database(definition, "zt_card_ret") as url:
        rt = make_runtime(url, f"memory://{tmp_path.name}")
        yield rt
        rt.stop()


def _case(s, state: str, since: datetime, card: str) -> str:
    did = str(uuid.uuid4())
    s.execute(
        delivery_cases.insert().values(
            delivery_id=did,
            application_id="app-" + did,
            applicant_id="a1",
            procedure="extension",
            fee_yen=4000,
            approved_at=since,
            name="NGUYEN",
            mailing_address="東京都",
            certificate_address="東京都",
            state=state,
            state_since=since,
            card_number=card,
        )
    )
    s.execute(
        cards.insert().values(card_number=card, status="valid", origin="issued", delivery_id=did, recorded_at=since)
    )
    s.execute(case_history.insert().values(delivery_id=did, action="x", from_state="a", to_state=state, at=since))
    return did


def test_ended_deliveries_go_five_years_after_the_tokuteibi(runtime):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        old = _case(s, "delivered", jst(2021, 3, 31, 23, 50), "AB12345678CD")  # fiscal 2020 -> goes 2026-04-01
        fy21 = _case(s, "collected", jst(2021, 4, 1, 0, 10), "AB12345679CD")  # fiscal 2021 -> 2027-04-01
        waiting = _case(s, "dispatched", jst(2010, 1, 1), "AB12345670CD")  # not ended: stays
    with time_machine.travel(jst(2026, 3, 31, 23, 59), tick=False):
        assert rt.purge().counts["card_delivery"] == 0
    with time_machine.travel(jst(2026, 4, 1), tick=False):
        assert rt.purge().counts["card_delivery"] == 1
    with rt.engine.connect() as conn:
        assert set(conn.execute(sa.select(delivery_cases.c.delivery_id)).scalars()) == {fy21, waiting}
        assert old not in set(conn.execute(sa.select(case_history.c.delivery_id)).scalars())
        card = conn.execute(sa.select(cards).where(cards.c.card_number == "AB12345678CD")).one()
    assert card.delivery_id is None
