"""The shipped alert rules on a real Prometheus against the real-mode processes (issue 23): each fault the
rules are for makes its alert fire through Prometheus' API and resolve after recovery, and the dashboards'
panels return data from that Prometheus. Full run: `make alerts`."""

from __future__ import annotations

import shutil

import alerts
import pytest
import rabbit_cluster

from zairyu_shared import testing


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_each_alert_fires_on_its_fault_and_resolves_after_recovery(tmp_path):
    testing.require_postgres()
    for why in (rabbit_cluster.available(), None if shutil.which("prometheus") else "prometheus not found"):
        if why:
            testing.unavailable(why)
    lines: list[str] = []
    result = alerts.run(tmp_path, size=6, out=lines.append)
    report = "\n".join(lines)
    by_alert = {f["alert"]: f for f in result["faults"]}
    assert set(by_alert) == {
        "ZairyuConsumerAbsent",
        "ZairyuBrokerDown",
        "ZairyuDeadLetterQueueNotEmpty",
        "ZairyuCrlStale",
        "ZairyuQueueBacklogOld",
        "ZairyuCardDeliveriesStalled",
        "ZairyuReviewCasesPastTarget",
    }, report
    for name, f in by_alert.items():
        assert "fired_s" in f and "resolved_s" in f, (name, report)
    assert "ZairyuConsumerDown" in by_alert["ZairyuConsumerAbsent"]["also_fired_s"], report
    assert "ZairyuOutboxBacklogOld" in by_alert["ZairyuBrokerDown"]["also_fired_s"], report
    # every panel of every dashboard had data at some point of the run (48 queries today)
    assert len(result["panels"]) == len(alerts.panel_queries()) >= 48, report
    assert [p for p, n in result["panels"].items() if n == 0] == [], report
    # officers' decisions, the mailroom's deliveries, the failing relay, the failing handler and the database
    # outage each fed their panels
    for panel in (
        "Decided (24h)",
        "Approval rate",
        "Processing days",
        "Delivered (7d)",
        "Returned (7d)",
        "Failed (24h)",
        "5xx ratio",
        "Handler failures and dead letters per second#0",
        "Message age when taken",
        "Stalled by state",
        "Cases past their processing target",
    ):
        assert any(panel in p and n for p, n in result["panels"].items()), (panel, report)
    assert result["answers_5xx"] > 0, report
    assert by_alert["ZairyuReviewCasesPastTarget"]["decided"] > 0, report
    assert by_alert["ZairyuQueueBacklogOld"]["late_messages"] > 0, report
    print(report)  # the figures (pytest -rP shows them)
