"""The shipped alert rules on a real Prometheus against the real-mode processes (issue 23): each fault the
rules are for makes its alert fire through Prometheus' API and resolve after recovery, and the dashboards'
panels return data from that Prometheus. Full run: `make alerts`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from zairyu_shared import testing

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alerts
import rabbit_cluster

# Panels this scenario cannot feed, and why:
# - cases past their processing target: a case open longer than its procedure's standard processing period
#   (review's TARGET_DAYS, weeks to months, a domain constant with no setting to shorten it);
# - deliveries stalled by state: a case sitting in a state longer than its limit (card-delivery's
#   STALL_AFTER, days, a domain constant with no setting to shorten it);
# - the oldest message by queue: the services' queues are quorum queues, for which this RabbitMQ exports no
#   head-message timestamp (the series never appears, even with messages waiting while a consumer is down).
NOT_PROVOKED = (
    "past their processing target",
    "Stalled by state",
    "Oldest message age",
)


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
    }, report
    for name, f in by_alert.items():
        assert "fired_s" in f and "resolved_s" in f, (name, report)
    assert "ZairyuConsumerDown" in by_alert["ZairyuConsumerAbsent"]["also_fired_s"], report
    assert "ZairyuOutboxBacklogOld" in by_alert["ZairyuBrokerDown"]["also_fired_s"], report
    empty = [p for p, n in result["panels"].items() if n == 0 and not any(k in p for k in NOT_PROVOKED)]
    assert empty == [], report
    assert sum(1 for n in result["panels"].values() if n) >= 45, report
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
    ):
        assert any(panel in p and n for p, n in result["panels"].items()), (panel, report)
    assert result["answers_5xx"] > 0, report
    print(report)  # the figures (pytest -rP shows them)
