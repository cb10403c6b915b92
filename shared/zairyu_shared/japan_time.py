"""Japan's clock: every legal date in the system is a Japanese calendar day.

Deadlines for documents, the filing windows, reminders, receipt days and processing days are Japan
dates (the Immigration Control Act's periods run by the calendar of the bureau, JST, UTC+9 with no
daylight saving). Containers run in UTC, where 00:00-09:00 in Japan is still the day before: so no
service asks the machine for "today" (``date.today()``, a naive ``datetime.now()``); they ask here.
tests/contracts/test_japan_time.py keeps ``date.today(`` out of the services' code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JAPAN = ZoneInfo("Asia/Tokyo")


def japan_now() -> datetime:
    """The current instant, timezone-aware, in Japan time."""
    return datetime.now(UTC).astimezone(JAPAN)


def japan_today() -> date:
    """Today's date in Japan, whatever the machine's time zone."""
    return japan_now().date()


def japan_date(moment: datetime) -> date:
    """The Japanese calendar day of an instant. A naive value is taken as UTC, how the services store
    instants (SQLite hands them back without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JAPAN).date()
