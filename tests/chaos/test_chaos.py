"""The chaos scenario in a reduced size (100 applications): real processes for every service,
RabbitMQ restarted twice, every consumer SIGKILLed once; nothing lost, nothing done twice.
The RabbitMQ restarted is a node of the test's own (rabbit_cluster, one node), not the machine's: the suite
runs on two workers (pytest-xdist) and the other worker's tests use the machine's broker meanwhile. (PostgreSQL
is not restarted here for the same reason; `make chaos` restarts the machine's broker, and PostgreSQL too with
--restart-postgres.)"""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import chaos
import pytest
import rabbit_cluster

from zairyu_shared import testing


@pytest.mark.timeout(600)
def test_no_application_or_notice_lost_or_doubled_through_broker_restarts_and_killed_consumers(tmp_path):
    testing.require_postgres()
    why = rabbit_cluster.available()
    if why:
        testing.unavailable(why)
    lines = []
    with rabbit_cluster.rabbit_cluster(tmp_path, size=1) as broker:
        plan = lambda n: chaos.fault_plan(n, restart_postgres=False, broker=broker)  # noqa: E731
        result = chaos.run(100, tmp_path, out=lines.append, broker=broker, plan_for=plan)
    report = "\n".join(lines)
    assert result["faults_done"] == result["faults_planned"] == 7 and not result["fault_errors"], report
    assert result["accepted"] == 100 and result["refused"] == 0, report  # the front accepts through every fault
    assert result["wrong"] == {} and result["unknown"] == [] and result["stray_cases"] == [], report
    assert result["received"] + result["rejected"] == result["accepted"], report
    # the ten applications signed with a stranger's card on purpose are rejected, and only they
    assert result["rejected"] == result["expected_rejected"] == 10, report
    assert result["duplicate_notices"] == 0, report
    # SMTP has no idempotency: the one SIGKILL of notify's consumer may land between the relay's 250 and the
    # sender's commit in each of its sender threads; those mails go again after the claim's lease, with the
    # same Message-ID (counted apart): at most one per thread
    assert result["resent_after_crash"] <= chaos.SENDER_THREADS, report
    assert result["mails"] == result["expected_mails"] + result["resent_after_crash"], report
    assert sum(result["dlq"].values()) == 0 and result["dlq"], report  # queues exist, all dead-letter queues empty
    assert sum(result["outbox"].values()) == 0 and len(result["outbox"]) == 5, report
    assert chaos.failures(result) == [], report


def test_only_a_taken_over_claim_explains_a_repeated_mail(tmp_path):
    """The resend count reads notify's own warning from its JSON log; any other repeat stays a duplicate."""
    import io
    import logging
    from collections import Counter

    from notify.application import sending as sender
    from notify.domain.delivery import message_id
    from zairyu_shared import logs

    stream = io.StringIO()
    logs.configure("notify", stream=stream)
    try:
        with (
            mock.patch.object(sender.store, "claim_due", return_value=[_claim("n-crashed")]),
            mock.patch.object(sender.Sender, "_deliver"),
            mock.patch.object(sender.Sender, "observe_backlog"),
        ):
            sender.Sender(_runtime(), mailer=object()).send_due()
    finally:
        logging.getLogger().handlers.clear()
    (tmp_path / "notify-consume.log").write_text(stream.getvalue())
    taken_over = chaos.claims_taken_over(tmp_path)
    assert taken_over == {"n-crashed"}
    mails = Counter(
        {message_id("n-crashed", "x.jp"): 2, message_id("n-other", "x.jp"): 2, message_id("n-once", "x.jp"): 1}
    )
    assert chaos.repeats(mails, taken_over) == (1, 1)


def _claim(notice_id):
    from notify.adapters.store import Claimed

    return Claimed(
        id=notice_id,
        token="t",
        notice_type="application_received",
        language="en",
        subject="s",
        body_text="b",
        body_html="<p>b</p>",
        address="a@example.jp",
        attempts=2,
        stolen=True,
    )


def _runtime():
    settings = SimpleNamespace(
        send_rate=100.0,
        send_burst=10,
        message_id_domain="x.jp",
        mail_from="z@x.jp",
        claim_batch=10,
        claim_lease_seconds=30,
    )
    return SimpleNamespace(settings=settings, engine=None)  # the store is mocked: no database
