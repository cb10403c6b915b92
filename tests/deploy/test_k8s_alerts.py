"""The PrometheusRule's rules pass `promtool check rules` and behave as intended (`promtool test rules`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from deploy_helpers import K8S, tool

RULE = K8S / "base" / "platform" / "monitoring" / "alerts.yaml"
UNIT_TESTS = Path(__file__).resolve().parent / "promtool" / "alerts.test.yaml"


def extract(tmp_path: Path, annotations: bool = True) -> Path:
    groups = yaml.safe_load(RULE.read_text())["spec"]["groups"]
    if not annotations:
        for g in groups:
            for r in g["rules"]:
                r.pop("annotations", None)
    out = tmp_path / "zairyu-alerts.rules.yaml"
    out.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return out


def test_rules_pass_promtool_check(tmp_path):
    rules = extract(tmp_path)
    out = subprocess.run([tool("promtool"), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout + out.stderr


def test_alerts_fire_as_specified(tmp_path):
    extract(tmp_path, annotations=False)
    shutil.copy(UNIT_TESTS, tmp_path / UNIT_TESTS.name)
    out = subprocess.run(
        [tool("promtool"), "test", "rules", UNIT_TESTS.name], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_alert_has_a_runbook_and_a_unit_test():
    groups = yaml.safe_load(RULE.read_text())["spec"]["groups"]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    tested = {
        t["alertname"]
        for case in yaml.safe_load(UNIT_TESTS.read_text())["tests"]
        for t in case.get("alert_rule_test", [])
    }
    operations = (K8S.parents[1] / "docs" / "operations.md").read_text()
    for rule in alerts:
        ann = rule["annotations"]
        assert ann.get("summary") and ann.get("runbook"), rule["alert"]
        anchor = ann["runbook_url"].split("#", 1)[1]
        assert f"{{#{anchor}}}" in operations or anchor_of_headings(operations).get(anchor), (
            f"{rule['alert']}: docs/operations.md has no section #{anchor}"
        )
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["alert"] in tested, f"{rule['alert']} has no promtool unit test"


def anchor_of_headings(markdown: str) -> dict[str, str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    import re

    anchors = {}
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*)$", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            anchors[slug] = m.group(1)
    return anchors
