"""The benches' own events satisfy today's contracts: a contract's new version once stopped `make bench` at
bench_outbox_sealing's first event (ContractError), and every bench after it with it, unseen by the suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_outbox_sealing.py"


def test_bench_outbox_sealing_makes_valid_events_of_one_person():
    spec = importlib.util.spec_from_file_location("bench_outbox_sealing", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    events = bench._events("applicant-1")  # new_event checks each payload against its contract

    assert [e.type for e in events] == [
        "application.correction_requested",
        "applicant.contact_changed",
        "applicant.contact_changed",
    ]
    assert {e.payload["applicant_id"] for e in events} == {"applicant-1"}
    assert len(events) == bench.EVENTS_PER_APPLICATION
