"""The chaos workload on a 3-node RabbitMQ cluster of our own (issue 23), at a small size: the node leading
the busiest quorum queues is SIGKILLed and restarted, then another one; the services, given every node as a
kombu failover address, carry on; nothing is lost or done twice. Full size: `make chaos-cluster`."""

from __future__ import annotations

import chaos
import cluster as cluster_module
import pytest
import rabbit_cluster

from zairyu_shared import testing


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_rabbitmq_cluster_losing_the_busiest_leader_and_then_another_node_loses_nothing(tmp_path):
    testing.require_postgres()
    why = rabbit_cluster.available()
    if why:
        testing.unavailable(why)
    lines: list[str] = []
    with rabbit_cluster.rabbit_cluster(tmp_path) as broker:
        result = chaos.run(60, tmp_path, out=lines.append, broker=broker)
        # the machine's own broker was never part of it
        assert all(n.port != 5672 for n in broker.nodes)
    report = "\n".join(lines)
    assert "queues not replicated" not in report
    assert result["faults_done"] == result["faults_planned"] == 4 and not result["fault_errors"], report
    assert result["accepted"] == 60 and result["refused"] == 0, report
    assert result["received"] + result["rejected"] == result["accepted"], report
    assert result["wrong"] == {} and result["unknown"] == [] and result["stray_cases"] == [], report
    assert result["duplicate_notices"] == 0, report
    assert sum(result["dlq"].values()) == 0 and result["dlq"], report
    assert sum(result["outbox"].values()) == 0, report
    assert chaos.failures(result) == [], report


def test_a_dead_service_process_is_reported_with_its_exit_and_last_words(tmp_path):
    """CI keeps what a test printed, not the cluster's log folder: 'service processes died: [notify-web]' alone
    left nothing to go on."""
    cluster = cluster_module.Cluster(
        amqp_url="", vhost="", databases={}, urls={}, pki=None, mail=None, log_dir=tmp_path, procs={}
    )
    cluster.procs["notify-web"] = cluster_module.Proc(
        "notify-web", ["sh", "-c", "echo '[ERROR] Worker failed to boot.'; exit 3"], {}
    )
    cluster.procs["review-web"] = cluster_module.Proc("review-web", ["sleep", "30"], {})
    for proc in cluster.procs.values():
        proc.start(tmp_path)
    cluster.procs["notify-web"].popen.wait(10)
    try:
        with pytest.raises(RuntimeError) as raised:
            cluster.check_alive()
    finally:
        cluster.stop()
    said = str(raised.value)
    assert "['notify-web']" in said and "notify-web: exit 3" in said and "Worker failed to boot" in said
    assert "review-web" not in said
