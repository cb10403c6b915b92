"""The shape bench (bench/bench_shape.py) measures the ceiling the issue's load target is read
against, so it must keep the real system's path: every application it submits is received, and it
makes exactly the deliveries the real services' bindings imply (a handler added to a real service on
this path changes both)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zairyu_shared import testing

ROOT = Path(__file__).resolve().parents[2]


def _figures(output: str) -> dict:
    out = {}
    for line in output.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and not name.startswith("#"):
            out[name] = float(rest.split()[0])
    return out


def test_the_skeleton_carries_every_application_along_the_real_path():
    testing.require_postgres()
    testing.require_rabbitmq()
    import bench_shape  # bench/ is on pytest.ini's pythonpath

    expected = bench_shape.expected_deliveries()
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_shape.py"),
            "--applications",
            "30",
            "--raw-messages",
            "300",
            "--latency-seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = _figures(run.stdout)
    assert figures["shape_applications_accepted"] == 30
    assert figures["shape_deliveries_per_application"] == expected
    assert expected >= 8  # submitted, verified, received to two services each; two notices to intake
    assert figures["shape_submit_to_received_rate"] > 0 and figures["shape_cpu_per_application_total"] > 0
