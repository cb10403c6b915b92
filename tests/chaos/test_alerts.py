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

# Panels fed by what this scenario does not do yet: decisions (an officer's two-person sign-off), card
# deliveries, a failing SMTP relay, 5xx answers, a handler failing, and messages carrying AMQP timestamps.
NOT_PROVOKED = (
    "Decided",
    "Decisions per day",
    "Approval rate",
    "Processing days",
    "past their processing target",
    "Delivered (7d)",
    "Returned (7d)",
    "Transitions per day",
    "Stalled by state",
    "Failed (24h)",
    "5xx ratio",
    "Handler failures",
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
    assert sum(1 for n in result["panels"].values() if n) >= 30, report
