"""The end-to-end figure as a ratio to the system's shape, and the shape as a ratio to raw pika,
all from one run: this shared machine's speed changes from day to day (2-3x), the ratios do not.

Runs `bench_e2e.py`, then `bench_shape.py` (which measures raw pika publish + consume first) with as
many applications as the end-to-end run was able to submit, back to back, passes their lines
through and adds:
  shape_to_raw_pika_ratio   skeleton applications/s per raw pika message/s (rises when the
                            skeleton's relays, inboxes and front get cheaper)
  e2e_to_shape_ratio        real applications/s per skeleton application/s (issue 24: >= 0.5)
  e2e_to_shape_cpu_ratio    CPU per real application / CPU per skeleton application (issue 24: <= 2)

    .venv/bin/python bench/bench_ratios.py [--applications 1000] [--rate 15]

`make bench` runs this instead of the two benches separately.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from zairyu_shared.testing import bench_figure, bench_size

HERE = Path(__file__).resolve().parent


def run(script: str, args: list[str]) -> dict[str, float]:
    """Run one bench, echo its lines, return its `name: value unit` figures."""
    figures: dict[str, float] = {}
    with subprocess.Popen([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            found = bench_figure(line)
            if found:
                figures[found[0]] = found[1]
    if proc.returncode:
        raise SystemExit(f"{script} failed with exit code {proc.returncode}")
    return figures


def ratios(shape: dict[str, float], e2e: dict[str, float]) -> dict[str, float]:
    """The ratios, from the unrounded rates (accepted applications over seconds)."""
    shape_rate = shape["shape_applications_accepted"] / shape["shape_submit_to_received_seconds"]
    e2e_rate = e2e["e2e_applications_accepted"] / e2e["e2e_submit_to_received_seconds"]
    return {
        "shape_to_raw_pika_ratio": shape_rate / shape["shape_raw_pika_publish_consume"],
        "e2e_to_shape_ratio": e2e_rate / shape_rate,
        "e2e_to_shape_cpu_ratio": e2e["cpu_per_application_total"] / shape["shape_cpu_per_application_total"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=bench_size(1000, 30), help="asked of the end-to-end run")
    parser.add_argument("--latency-seconds", type=float, default=bench_size(6.0, 1.0))
    parser.add_argument(
        "--rate",
        type=float,
        help="offer both runs this many applications/s instead of all at once: the CPU ratio at equal load (both "
        "batch alike), where the default compares each at its own maximum (the slower batches less)",
    )
    args = parser.parse_args(argv)
    both = ["--latency-seconds", str(args.latency_seconds), *(["--rate", str(args.rate)] if args.rate else [])]
    e2e = run("bench_e2e.py", ["--applications", str(args.applications), *both])
    # the same number through the skeleton: a run's length changes its rate (start, tail)
    shape = run("bench_shape.py", ["--applications", str(int(e2e["e2e_applications_submitted"])), *both])
    for name, value in ratios(shape, e2e).items():
        print(f"{name}: {value:.4f} ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
