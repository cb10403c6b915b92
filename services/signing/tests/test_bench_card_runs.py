"""bench_card.py, which `make bench` runs, still runs to its end: it puts a card in a vpcd reader
(signing.testing.running_card), so it runs with the other card tests (see tests/e2e/test_benches_run.py)."""

from __future__ import annotations

from pathlib import Path

from signing import testing as card_testing
from zairyu_shared import testing

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_card.py"


def test_bench_card_runs_to_its_end_and_prints_the_pcsc_figures():
    card_testing.pcsc_available_or_skip()
    figures = testing.run_bench_smoke(BENCH)
    assert figures["cades_signatures_per_s"] > 0 and figures["apdu_roundtrip_p50"] > 0
    assert figures["inprocess_cades_signatures_per_s"] > 0
