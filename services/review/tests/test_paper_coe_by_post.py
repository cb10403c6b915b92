"""Issue 17: a COE approved on paper by post is posted by card-delivery's mailroom to the filer in Japan (who forwards
it to the person abroad), not to the person's address abroad, and carries no card."""

from __future__ import annotations

import json

import sqlalchemy as sa
from test_coe import _approve_coe

from zairyu_shared.outbox import open_body


def test_a_paper_coe_by_post_is_addressed_to_the_filer_in_japan(rt):
    assert _approve_coe(rt, delivery="post") is None  # nothing sealed: it goes on paper
    with rt.engine.connect() as conn:
        bodies = conn.execute(
            sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "application.decided")
        ).scalars()
        (decided,) = [json.loads(open_body(b, rt.keyring))["payload"] for b in bodies]
    assert decided["delivery_method"] == "post"
    delivery = decided["delivery"]
    assert "Hanoi" not in delivery["mailing_address"]["text"]  # the person abroad: not where the post goes
    assert delivery["mailing_address"]["text"] == delivery["certificate_address"] == "東京都新宿区西新宿1-1-1"
    assert delivery["old_card_number"] is None and delivery["name"] != "TRAN THI BINH"
