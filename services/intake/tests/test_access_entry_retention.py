"""The applicant's copies of the access log's leaves under a frozen clock (issue 20, ``access_entry``).

Each copy (who at the bureau opened the file, and why, with its inclusion proof) goes with its application when that
goes (case_closed), whatever the entry's age; a copy whose application is gone otherwise goes 10 years from the
特定日 after the access, when review empties the leaf itself. Copies about an application intake still holds stay.
The signed tree heads stay (no personal data).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine
from test_retention_purge import _applicant, _application, runtime  # noqa: F401 (fixture)

from intake.adapters.access_tables import access_entries, access_tree_heads
from zairyu_shared.japan_time import JAPAN


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def _entry(s, index: int, application_id: str, applicant_id: str, at: datetime) -> None:
    at = at.astimezone(UTC)  # as review writes it (the entry's time in UTC; SQLite keeps the wall time only)
    entry = {"application_id": application_id, "at": at.isoformat(timespec="seconds"), "kind": "read"}
    s.execute(
        access_entries.insert().values(
            leaf_index=index,
            application_id=application_id,
            applicant_id=applicant_id,
            entry=json.dumps(entry),
            at=at,
            tree_size=index + 1,
            inclusion_proof="[]",
        )
    )


def test_copies_go_with_their_application_or_ten_years_from_the_tokutei_bi(runtime):  # noqa: F811
    rt = runtime
    with rt.session_factory() as s, s.begin():
        a = _applicant(s, "an")
        # Refused in fiscal 2015: goes on 2026-04-01 with every copy about it, even one from 2025.
        refused = _application(s, a, "refused", jst(2015, 6, 1), closed=True)
        # Still under examination: its copies stay however old.
        open_case = _application(s, a, "under_examination", jst(2012, 1, 1), closed=False)
        _entry(s, 0, refused, a, jst(2015, 5, 1, 10))
        _entry(s, 1, open_case, a, jst(2015, 5, 2, 10))
        _entry(s, 2, refused, a, jst(2025, 5, 1, 10))
        # About an application intake no longer holds (gone otherwise): fiscal 2015 goes, fiscal 2016 stays.
        _entry(s, 3, "gone-elsewhere", a, jst(2016, 3, 31, 23, 50))
        _entry(s, 4, "gone-elsewhere", a, jst(2016, 4, 1, 0, 10))
        s.execute(
            access_tree_heads.insert().values(
                tree_size=5,
                timestamp="2016-04-01T00:00:00Z",
                root_hash="0" * 64,
                kid="k",
                signature="s",
                public_key="p",
            )
        )

    def left() -> set[int]:
        with rt.engine.connect() as conn:
            return set(conn.execute(sa.select(access_entries.c.leaf_index)).scalars())

    with time_machine.travel(jst(2026, 3, 31, 23, 59), tick=False):
        report = rt.purge()
    assert report.counts.get("access_entry", 0) == 0 and left() == {0, 1, 2, 3, 4}
    with time_machine.travel(jst(2026, 4, 1, 0, 1), tick=False):
        report = rt.purge()
    assert report.counts["case_closed"] == 1 and report.counts["access_entry"] == 1
    assert left() == {1, 4}
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(access_tree_heads)).scalar_one() == 1
