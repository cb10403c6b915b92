"""Japan's date, not the machine's: at 16:00 UTC on 5 December it is already 6 December in Japan."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import time_machine

from zairyu_shared.japan_time import JAPAN, japan_date, japan_now, japan_today

FROZEN = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # 2026-12-06 01:00 in Japan


def test_japan_today_is_the_japanese_day_while_utc_is_still_the_day_before():
    with time_machine.travel(FROZEN, tick=False):
        assert datetime.now(UTC).date() == date(2026, 12, 5)
        assert japan_today() == date(2026, 12, 6)
        now = japan_now()
        assert now.utcoffset() == timedelta(hours=9) and (now.year, now.month, now.day, now.hour) == (2026, 12, 6, 1)


def test_japan_today_does_not_depend_on_the_machine_time_zone():
    before = os.environ.get("TZ")
    try:
        for zone in ("UTC", "America/Los_Angeles", "Asia/Tokyo"):
            os.environ["TZ"] = zone
            time.tzset()
            with time_machine.travel(FROZEN, tick=False):
                assert japan_today() == date(2026, 12, 6), zone
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_japan_date_of_stored_instants():
    assert japan_date(datetime(2026, 12, 5, 14, 59, tzinfo=UTC)) == date(2026, 12, 5)
    assert japan_date(datetime(2026, 12, 5, 15, 0, tzinfo=UTC)) == date(2026, 12, 6)
    assert japan_date(datetime(2026, 12, 5, 15, 0)) == date(2026, 12, 6)  # naive: stored UTC
    assert japan_date(datetime(2026, 12, 6, 0, 30, tzinfo=JAPAN)) == date(2026, 12, 6)
