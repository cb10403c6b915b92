"""Review restored to an earlier point (issue 20): no receipt number is issued twice, a replayed
submission gets its number back, and its application.received is the same event as the first time."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
import uuid

import pytest
import sqlalchemy as sa
from review_testkit import make_runtime, verified_event

from review.adapters.tables import cases
from review.application import inbound
from review.entrypoints.cli import reserve_receipts_main
from zairyu_shared.db import transaction
from zairyu_shared.outbox import open_body


def _receive(rt, event):
    with transaction(rt.session_factory) as s:
        return inbound.receive(rt, s, event)


def _received_events(rt):
    with rt.engine.connect() as conn:
        rows = conn.execute(
            sa.select(rt.outbox.c.event_id, rt.outbox.c.body).where(rt.outbox.c.event_type == "application.received")
        ).all()
    return {json.loads(open_body(body, rt.keyring))["payload"]["application_id"]: event_id for event_id, body in rows}


def test_after_a_restore_numbers_seen_elsewhere_are_never_issued_again(rt, tmp_path):
    before = [verified_event(bureau="tokyo") for _ in range(2)]
    for event in before:
        _receive(rt, event)
    backup = tmp_path / "backup.db"
    with sqlite3.connect(rt.settings.database_url.removeprefix("sqlite:///")) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)  # the nightly backup
    after = [verified_event(bureau="tokyo") for _ in range(2)]
    issued_after = [_receive(rt, event) for event in after]  # e-mailed to applicants, recorded by intake
    first_ids = _received_events(rt)
    intake_record = "".join(
        f"{e.payload['application_id']}\t{n}\n"
        for e, n in zip(before + after, _numbers(rt, before) + issued_after, strict=True)
    )
    rt.stop()

    restored = make_runtime(f"sqlite:///{backup}", f"memory://{tmp_path.name}-r", migrate=False)
    try:
        # `zairyu-intake receipts-seen | zairyu-review reserve-receipts`
        out = io.StringIO()
        assert reserve_receipts_main([], runtime=restored, src=io.StringIO(intake_record), out=out) == 0
        assert "reserved 2, already_cases 2" in out.getvalue()
        # signing republishes signature.verified since the backup: the lost case comes back, same number
        assert _receive(restored, after[0]) == issued_after[0]
        assert (
            _received_events(restored)[after[0].payload["application_id"]]
            == first_ids[after[0].payload["application_id"]]
        )  # intake's and notify's inboxes drop it: no second mail
        # a new application gets a number nobody has seen
        new = _receive(restored, verified_event(bureau="tokyo"))
        seen = set(_numbers(restored, before)) | set(issued_after)
        assert new not in seen and new.endswith("-000005"), new
    finally:
        restored.stop()


def _numbers(rt, events):
    with rt.engine.connect() as conn:
        return [
            conn.execute(
                sa.select(cases.c.receipt_number).where(cases.c.application_id == e.payload["application_id"])
            ).scalar()
            for e in events
        ]


@pytest.mark.parametrize("database", ["rt", "pg_rt"])
def test_a_submission_received_again_under_a_new_event_id_opens_nothing(database, request):
    """A serial is taken only for an application with no case and no reservation (one statement): a second
    delivery of an application review has a case for (a new event id, so the inbox lets it in) changes nothing
    and uses no number."""
    rt = request.getfixturevalue(database)
    first = verified_event(bureau="tokyo")
    number = _receive(rt, first)
    again = dataclasses.replace(first, id=str(uuid.uuid4()))
    assert _receive(rt, again) is None
    assert _numbers(rt, [first]) == [number]
    assert _receive(rt, verified_event(bureau="tokyo")).endswith("-000002")
