"""The shape bench (bench/bench_shape.py) measures the ceiling the issue's load target is read
against, so it must keep the real system's path: every application it submits is received, and it
makes exactly the deliveries the real services' bindings imply (a handler added to a real service on
this path changes both)."""

from __future__ import annotations

from pathlib import Path

from zairyu_shared import testing

ROOT = Path(__file__).resolve().parents[2]


def test_the_skeleton_carries_every_application_along_the_real_path():
    """Through bench_ratios, as `make bench` runs it (end-to-end, then the skeleton, then the ratios): the one
    test of bench_e2e.py and of the ratios' lines (tests/e2e/test_benches_run.py runs the other benches)."""
    testing.require_postgres()
    testing.require_rabbitmq()
    import bench_shape  # bench/ is on pytest.ini's pythonpath

    expected = bench_shape.expected_deliveries()
    figures = testing.run_bench_smoke(ROOT / "bench" / "bench_ratios.py", timeout=400)
    assert figures["e2e_applications_accepted"] == figures["e2e_applications_submitted"] == 30
    assert figures["shape_applications_accepted"] == 30
    assert figures["shape_deliveries_per_application"] == expected
    assert figures["deliveries_consumed_per_application"] >= expected  # the real services: this path at least
    assert expected >= 8  # submitted, verified, received to two services each; two notices to intake
    assert figures["shape_submit_to_received_rate"] > 0 and figures["shape_cpu_per_application_total"] > 0
    for ratio in ("shape_to_raw_pika_ratio", "e2e_to_shape_ratio", "e2e_to_shape_cpu_ratio"):
        assert figures[ratio] > 0, ratio
