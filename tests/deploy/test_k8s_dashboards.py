"""The Grafana dashboards: valid PromQL in every panel, a sane layout, shipped to the Grafana sidecar."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from deploy_helpers import K8S, OVERLAYS, by_kind, rendered, tool

DASHBOARDS = sorted((K8S / "base" / "platform" / "dashboards").glob("*.json"))
# What Grafana puts in place of the template variables before the query reaches Prometheus.
SUBSTITUTIONS = {"$__rate_interval": "2m", "$service": ".*", "$bureau": ".*"}


def load(path):
    return json.loads(path.read_text())


def test_the_four_dashboards_exist():
    assert {load(p)["title"] for p in DASHBOARDS} == {
        "Zairyu / Platform",
        "Zairyu / Applications",
        "Zairyu / Card delivery",
        "Zairyu / Notifications",
    }


def test_every_panel_query_is_valid_promql(tmp_path):
    """promtool parses each query (variables substituted) as a recording rule."""
    rules = []
    for path in DASHBOARDS:
        for panel in load(path)["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for var, value in SUBSTITUTIONS.items():
                    expr = expr.replace(var, value)
                assert "$" not in expr, f"unsubstituted variable in {panel['title']}: {expr}"
                rules.append({"record": f"zairyu:dashboard_check:{len(rules)}", "expr": expr})
    assert len(rules) > 40
    path = tmp_path / "dashboard-queries.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    out = subprocess.run([tool("promtool"), "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_layout_and_datasource(path):
    dash = load(path)
    assert dash["uid"] == path.stem and len(dash["uid"]) <= 40
    assert dash["templating"]["list"][0]["type"] == "datasource"
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    cells = set()
    for p in dash["panels"]:
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24, p["title"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps another panel"
                cells.add((x, y))
        if p["type"] != "row":
            assert p["datasource"]["uid"] == "${datasource}" and p["targets"], p["title"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_shipped_as_a_sidecar_configmap(overlay):
    (cm,) = [c for c in by_kind(rendered(overlay), "ConfigMap") if c["metadata"]["name"] == "zairyu-dashboards"]
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert set(cm["data"]) == {p.name for p in DASHBOARDS}
    for name, text in cm["data"].items():
        assert json.loads(text)["uid"] == name.removesuffix(".json")
