"""One record of a person's data export: its own kind and time, then the row's fields as they are."""

from __future__ import annotations

from datetime import UTC, datetime

from zairyu_shared.personal_data import record


def test_a_row_with_a_field_named_kind_keeps_it_in_its_data():
    # intake's attachments have a column "kind" (passport, photo...): it once collided with the
    # record's own kind (TypeError), so exporting the data of anyone who uploaded a file failed.
    out = record("attachment", datetime(2026, 12, 1, tzinfo=UTC), kind="passport", size=1024)
    assert out["kind"] == "attachment"
    assert out["data"] == {"kind": "passport", "size": 1024}
    assert out["at"].startswith("2026-12-01")
