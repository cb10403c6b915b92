"""Every bench `make bench` runs still runs to its end and prints `name: value unit` figures.

`make bench` stopped twice unseen by the suite (db18d57: a contract's new version stopped bench_outbox_sealing at
its first event, and every bench after it; then bench_intake's submit bench called a registration that no longer
existed). Each bench runs here at its smoke size (ZAIRYU_BENCH_SMOKE=1), which proves only that it runs; its
figures come from `make bench`. The list is read from the Makefile's bench target, so a new bench is run here too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zairyu_shared import testing

ROOT = Path(__file__).resolve().parents[2]
# run by their own tests: bench_ratios with the skeleton's checks, bench_card with the other card tests
RUN_ELSEWHERE = {
    "bench/bench_ratios.py": "tests/e2e/test_bench_shape.py",
    "services/signing/bench/bench_card.py": "services/signing/tests/test_bench_card_runs.py",
}


def make_bench_scripts() -> list[str]:
    """What `make bench` runs: its loop's globs, less the scripts its `case` skips."""
    recipe = re.search(r"^bench:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "no bench target in the Makefile"
    globs = re.search(r"for b in ([^;]+);", recipe.group(1))
    skipped = re.search(r'case "\$\$b" in ([^)]+)\)', recipe.group(1))
    assert globs and skipped, recipe.group(1)
    found = {str(p.relative_to(ROOT)) for pattern in globs.group(1).split() for p in ROOT.glob(pattern)}
    return sorted(found - set(skipped.group(1).split("|")))


def test_the_list_is_make_benchs_and_the_benches_run_elsewhere_are_in_it():
    scripts = make_bench_scripts()
    assert set(RUN_ELSEWHERE) <= set(scripts)
    assert "shared/bench/bench_bus.py" in scripts and "bench/bench_e2e.py" not in scripts  # ratios runs it
    for test in RUN_ELSEWHERE.values():
        assert (ROOT / test).exists(), test


@pytest.mark.parametrize("script", [s for s in make_bench_scripts() if s not in RUN_ELSEWHERE])
def test_the_bench_runs_to_its_end_and_prints_its_figures(script):
    testing.require_postgres()
    testing.require_rabbitmq()
    figures = testing.run_bench_smoke(ROOT / script)
    assert all(value == value for value in figures.values()), figures  # no NaN
