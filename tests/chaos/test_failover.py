"""PostgreSQL failover under the chaos workload (issue 23), small size: intake's database on a primary and a
streaming standby of our own; the primary's WAL sender is stalled for two seconds (the standby falls behind), then the primary is SIGKILLed
and the standby promoted. With synchronous
replication nothing the applicant was told was accepted is lost, and the system settles with nothing done
twice. (The asynchronous side, which may lose acknowledged applications, is measured by
`make chaos-failover`, not asserted: how much it loses depends on the moment.)"""

from __future__ import annotations

import chaos
import failover
import pg_pair
import pytest

from zairyu_shared import testing


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_primary_killed_mid_burst_with_a_synchronous_standby_loses_no_acknowledged_application(tmp_path):
    testing.require_postgres()
    testing.require_rabbitmq()
    why = pg_pair.available()
    if why:
        testing.unavailable(why)
    lines: list[str] = []
    result = failover.run_failover(60, tmp_path, synchronous=True, out=lines.append)
    report = "\n".join(lines)
    assert result["faults_done"] == result["faults_planned"] == 1 and not result["fault_errors"], report
    # submissions refused while the primary was gone (5xx, then the signing limit spent on retries) were never
    # acknowledged: they are not lost; everything accepted before the fault must be there
    assert result["accepted"] >= int(failover.KILL_AT * 60), report
    assert result["lost"] == 0, report
    assert result["received"] + result["rejected"] == result["accepted"], report
    assert result["duplicate_notices"] == 0, report
    assert chaos.failures(result) == [] or chaos.failures(result) == [
        f"{result['refused']} submissions refused by the front (see '# refused' lines)"
    ], report
