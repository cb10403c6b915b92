"""The chaos scenario in a reduced size (100 applications): real processes for every service,
RabbitMQ restarted twice, every consumer SIGKILLed once; nothing lost, nothing done twice.
(PostgreSQL is not restarted here: that would break the other tests running on the machine;
`make chaos` does it with --restart-postgres.)"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from zairyu_shared import testing

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chaos  # noqa: E402


@pytest.mark.timeout(600)
def test_no_application_or_notice_lost_or_doubled_through_broker_restarts_and_killed_consumers(tmp_path):
    testing.require_postgres()
    testing.require_rabbitmq()
    if shutil.which("rabbitmqctl") is None:
        testing.unavailable("rabbitmqctl not found: the chaos test restarts the broker on this machine")
    lines = []
    result = chaos.run(100, tmp_path, out=lines.append)
    report = "\n".join(lines)
    assert result["faults_done"] == result["faults_planned"] == 7 and not result["fault_errors"], report
    assert result["accepted"] == 100 and result["refused"] == 0, report  # the front accepts through every fault
    assert result["wrong"] == {} and result["unknown"] == [] and result["stray_cases"] == [], report
    assert result["received"] + result["rejected"] == result["accepted"], report
    # the ten applications signed with a stranger's card on purpose are rejected, and only they
    assert result["rejected"] == result["expected_rejected"] == 10, report
    assert result["duplicate_notices"] == 0, report
    assert result["mails"] == result["expected_mails"], report
    assert sum(result["dlq"].values()) == 0 and result["dlq"], report  # queues exist, all dead-letter queues empty
    assert sum(result["outbox"].values()) == 0 and len(result["outbox"]) == 5, report
    assert chaos.failures(result) == [], report
