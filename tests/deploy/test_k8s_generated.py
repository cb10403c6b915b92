"""The generated files under deploy/k8s are what tools/generate.py writes today.

The queue topology comes from the services' handlers: after adding or renaming a handler, run
`.venv/bin/python deploy/k8s/tools/generate.py` and commit its output.
"""

from __future__ import annotations

import subprocess
import sys

from deploy_helpers import K8S, REPO


def test_generated_files_are_current():
    out = subprocess.run(
        [sys.executable, str(K8S / "tools" / "generate.py"), "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_topology_has_a_queue_and_dead_letter_queue_per_handler():
    """Cross-check against the bus itself: the queues and arguments zairyu_shared declares."""
    from importlib.metadata import entry_points

    import yaml

    from zairyu_shared.bus import queues_for

    docs = [d for d in yaml.safe_load_all((K8S / "base/platform/rabbitmq/topology.yaml").read_text()) if d]
    declared = {d["spec"]["name"]: d["spec"] for d in docs if d["kind"] == "Queue"}
    expected = set()
    for ep in entry_points(group="zairyu.services"):
        definition = ep.load()
        for handler in definition.handlers:
            queue, dlq, _dlx = queues_for(definition.name, handler, True)
            expected |= {queue.name, dlq.name}
            spec = declared.get(queue.name)
            assert spec, f"{queue.name} missing from topology.yaml (run deploy/k8s/tools/generate.py)"
            args = dict(queue.queue_arguments)
            assert args.pop("x-queue-type") == spec["type"] == "quorum"
            assert args == spec["arguments"], f"{queue.name}: operator and service would declare differently"
            assert declared[dlq.name]["type"] == "quorum"
    assert set(declared) == expected
