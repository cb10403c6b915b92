"""``republish --since``: after another service's restore, the events staged since then go out again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from zairyu_shared.db import add_messaging_tables
from zairyu_shared.outbox import republish


def test_republish_marks_only_sent_rows_since_the_moment(tmp_path):
    metadata = sa.MetaData()
    outbox, _ = add_messaging_tables(metadata)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/o.db")
    metadata.create_all(engine)
    t0 = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    rows = [
        ("before", "signature.verified", t0 - timedelta(minutes=5), t0),
        ("after-1", "signature.verified", t0 + timedelta(minutes=1), t0 + timedelta(minutes=1)),
        ("after-2", "signature.rejected", t0 + timedelta(minutes=2), t0 + timedelta(minutes=2)),
        ("unsent", "signature.verified", t0 + timedelta(minutes=3), None),
    ]
    with engine.begin() as conn:
        conn.execute(
            outbox.insert(),
            [
                dict(
                    event_id=i,
                    event_type=t,
                    exchange="x",
                    correlation_id="c",
                    body="{}",
                    created_at=c,
                    sent_at=s,
                    attempts=1,
                )
                for i, t, c, s in rows
            ],
        )
    factory = sessionmaker(engine)
    assert republish(factory, outbox, t0, ("signature.verified",)) == 1
    assert republish(factory, outbox, t0) == 1  # after-2; after-1 is already waiting
    with engine.connect() as conn:
        unsent = set(conn.execute(sa.select(outbox.c.event_id).where(outbox.c.sent_at.is_(None))).scalars())
    assert unsent == {"after-1", "after-2", "unsent"}
