"""`make alerts`: the project's own alert rules on a real Prometheus, against the system running as real
processes, with each fault the rules are for provoked and seen to fire, then to resolve after recovery.

- Debian's `prometheus` (its own port and data folder), scraping every service's web front and consumer
  process (labelled `container="web"|"consumer"` as the Kubernetes pods are) and a RabbitMQ node of our own
  with the rabbitmq_prometheus plugin (`/metrics/per-object`, as deploy/k8s's ServiceMonitor does).
- The rules are read from deploy/k8s/base/platform/monitoring/alerts.yaml. Only their `for:` is shortened
  (a minute of `for` becomes a second) so the scenario takes minutes, not hours; expressions and thresholds
  are the shipped ones, so each fault is made real: an outbox row that truly waits 5 minutes is one written
  5 minutes ago while the broker is gone.
- Faults: a consumer process SIGKILLed; the broker gone (its node SIGKILLed), with an event waiting in an
  outbox meanwhile; a message dead-lettered; the CRLs replaced by 7-hour-old ones; consumers taking messages
  published 11 minutes before; a returned card left where it is and cases left undecided, with the limits
  they are counted against (ZAIRYU_CARD_STALL_DAYS, ZAIRYU_REVIEW_TARGET_DAYS) set to 0 days, as a setting
  allows. Each alert must reach `firing` through Prometheus' API and be gone after recovery.
- Then every Grafana panel's query (deploy/k8s/base/platform/dashboards/*.json) is asked of that Prometheus.

    .venv/bin/python tests/chaos/alerts.py [--size N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
import yaml
from applicants import Intake, address_of, photo_jpeg
from cluster import free_port, running_system, settle
from rabbit_cluster import rabbit_cluster

from zairyu_shared.outbox import NOTIFY_CHANNEL

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "k8s" / "base" / "platform" / "monitoring" / "alerts.yaml"
DASHBOARDS = ROOT / "deploy" / "k8s" / "base" / "platform" / "dashboards"
SERVICES = ("intake", "signing", "review", "notify", "card-delivery")


def _seconds(duration: str) -> int:
    value, unit = int(duration[:-1]), duration[-1]
    return value * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def shortened_rules(out: Path) -> dict[str, int]:
    """The shipped rules with each `for:` divided by 60; returns alert -> shortened seconds."""
    groups = yaml.safe_load(RULES.read_text())["spec"]["groups"]
    fors = {}
    for group in groups:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if "for" in rule:
                short = max(1, _seconds(rule["for"]) // 60)
                rule["for"] = f"{short}s"
                fors[rule["alert"]] = short
    out.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return fors


class Prometheus:
    def __init__(self, workdir: Path, targets: list[dict], rules: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "900ms"},
            "rule_files": [str(rules)],
            "scrape_configs": targets,
        }
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(config, sort_keys=False))
        self.data = workdir / "prometheus-data"
        self.log = open(workdir / "prometheus.log", "ab")
        self.proc = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={self.config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        settle(self._ready, timeout=60, message="prometheus ready")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def api(self, path: str, **params: str) -> dict:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]

    def firing(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for alert in self.api("alerts")["alerts"]:
            if alert["state"] == "firing":
                out.setdefault(alert["labels"]["alertname"], []).append(alert["labels"])
        return out

    def up(self) -> dict[str, float]:
        return {
            r["metric"].get("job", "?") + "/" + r["metric"].get("instance", "?"): float(r["value"][1])
            for r in self.api("query", query="up")["result"]
        }

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def scrape_targets(cluster, broker) -> list[dict]:
    jobs = []
    for name, proc in cluster.procs.items():
        service, kind = name.rsplit("-", 1)
        host = proc.health.split("//", 1)[1].split("/", 1)[0]
        jobs.append(
            {
                "job_name": f"zairyu-{name}",
                "honor_labels": True,
                "metrics_path": "/metrics",
                "static_configs": [
                    {
                        "targets": [host],
                        "labels": {
                            "container": "consumer" if kind == "consume" else "web",
                            "pod": name,
                            "app_service": service,
                        },
                    }
                ],
            }
        )
    jobs.append(
        {
            "job_name": "zairyu-rabbitmq",
            "metrics_path": "/metrics/per-object",
            "static_configs": [{"targets": [f"127.0.0.1:{p}" for p in broker.prometheus_ports.values()]}],
        }
    )
    return jobs


def wait_state(prom: Prometheus, alert: str, firing: bool, timeout: float, match=None, since=None) -> float:
    """Seconds until `alert` is firing (or gone), optionally with labels matching `match`. Given `since` (a
    time.time() value: when the fault began, earlier than this call), the seconds from then to the first
    evaluation Prometheus found it firing (its ALERTS series), however late this call looks."""
    t0 = time.monotonic()

    def reached() -> bool:
        now = prom.firing().get(alert, [])
        hit = [labels for labels in now if match is None or all(labels.get(k) == v for k, v in match.items())]
        return bool(hit) == firing

    settle(reached, timeout=timeout, message=f"{alert} {'firing' if firing else 'resolved'}", interval=0.5)
    if since is None:
        return time.monotonic() - t0
    labels = "".join(f',{k}="{v}"' for k, v in (match or {}).items())
    series = prom.api(
        "query_range",
        query=f'ALERTS{{alertname="{alert}",alertstate="firing"{labels}}}',
        start=f"{since:.3f}",
        end=f"{time.time():.3f}",
        step="1s",
    )["result"]
    return min(float(t) for r in series for t, _ in r["values"]) - since


@contextmanager
def fault(report: list, name: str, alert: str, out):
    entry = {"fault": name, "alert": alert}
    report.append(entry)
    out(f"# fault: {name} -> expecting {alert}")
    yield entry


def run(workdir: Path, size: int = 20, out=print) -> dict:
    report: list[dict] = []
    outage_5xx = 0
    _applicants.clear()
    with (
        rabbit_cluster(workdir, size=1, prometheus=True) as broker,
        running_system(workdir, broker=broker, extra_env=SHORT_LIMITS) as cluster,
    ):
        node = broker.nodes[0]
        rules = workdir / "rules.yaml"
        fors = shortened_rules(rules)
        prom = Prometheus(workdir, scrape_targets(cluster, broker), rules)
        try:
            settle(
                lambda: len(prom.up()) >= len(cluster.procs) + 1 and all(v == 1 for v in prom.up().values()),
                timeout=60,
                message=f"every target up in prometheus: {prom.up()}",
            )
            traffic(cluster, size, out)
            received_at = time.time()  # every open case past its 0-day target from here
            # officers at work: decisions (one refused), then the approved cards delivered (one returned)
            returned = deliver(cluster, decide(cluster, approve=3, refuse=1, out=out), out)
            returned_at = time.time()  # the returned card stalled from here (0 days allowed)
            quiet = prom.firing()
            out(f"# firing before any fault: {sorted(quiet)}")
            panels: dict[str, int] = {}
            sample_panels(prom, panels)

            # 1. a consumer process killed: no consumer on its queues, its /metrics gone
            with fault(report, "notify's consumer SIGKILLed", "ZairyuConsumerAbsent", out) as f:
                cluster.kill("notify-consume")
                traffic(cluster, 3, out, wait=False)  # their notices wait in notify's queues meanwhile
                f["fired_s"] = wait_state(prom, "ZairyuConsumerAbsent", True, 60 + fors["ZairyuConsumerAbsent"])
                f["also_fired_s"] = {"ZairyuConsumerDown": wait_state(prom, "ZairyuConsumerDown", True, 60)}
                sample_panels(prom, panels)
                cluster.restart("notify-consume")
                f["resolved_s"] = wait_state(prom, "ZairyuConsumerAbsent", False, 120)
                wait_state(prom, "ZairyuConsumerDown", False, 60)

            # 2. the broker gone, an event waiting in intake's outbox since 6 minutes ago meanwhile
            with fault(
                report, "the RabbitMQ node SIGKILLed, an event staged 6 minutes ago", "ZairyuBrokerDown", out
            ) as f:
                broker.kill(node)
                f["fired_s"] = wait_state(prom, "ZairyuBrokerDown", True, 60 + fors["ZairyuBrokerDown"])
                stage_old_event(cluster.databases["intake"], minutes=6)
                f["also_fired_s"] = {
                    "ZairyuOutboxBacklogOld": wait_state(
                        prom, "ZairyuOutboxBacklogOld", True, 90 + fors["ZairyuOutboxBacklogOld"]
                    )
                }
                sample_panels(prom, panels)
                broker.start_node(node)
                f["resolved_s"] = wait_state(prom, "ZairyuBrokerDown", False, 120)
                wait_state(prom, "ZairyuOutboxBacklogOld", False, 120)

            # 3. a message dead-lettered: a body no contract accepts, on a work queue
            #    and an event its contract accepts whose handler fails every attempt (documents for a case
            #    review does not have), dead-lettered after the retries
            with fault(report, "a malformed message on review's queue", "ZairyuDeadLetterQueueNotEmpty", out) as f:
                queue = poison(broker)
                stage_failing_event(cluster.databases["intake"])
                f["fired_s"] = wait_state(
                    prom,
                    "ZairyuDeadLetterQueueNotEmpty",
                    True,
                    90 + fors["ZairyuDeadLetterQueueNotEmpty"],
                    match={"queue": queue + ".dlq"},
                )
                f["handler_dead_lettered_s"] = wait_state(
                    prom,
                    "ZairyuDeadLetterQueueNotEmpty",
                    True,
                    90,
                    match={"queue": documents_queue(broker) + ".dlq"},
                )
                sample_panels(prom, panels)
                # one AMQP connection for every dead-letter queue (each rabbitmqctl call starts an Erlang VM)
                import pika

                with pika.BlockingConnection(pika.URLParameters(broker.amqp_url().split(";")[0])) as conn:
                    channel = conn.channel()
                    for q in broker.queues():
                        if q.endswith(".dlq"):
                            channel.queue_purge(q)
                f["resolved_s"] = wait_state(prom, "ZairyuDeadLetterQueueNotEmpty", False, 90)

            # 3b. review's database refusing every connection for a few seconds while requests arrive: its
            #     front answers 5xx (a real outage, no fake route), then recovers
            outage_5xx = database_outage(cluster, "review", seconds=6)
            out(f"alerts_5xx_answers_during_outage: {outage_5xx}")
            time.sleep(3)  # two scrapes after the last 5xx: the rate panels need two samples
            sample_panels(prom, panels)

            # 4. stale CRLs: signing given the CRLs as issued 12 days ago
            with fault(report, "signing's CRLs replaced by 27-hour-old ones", "ZairyuCrlStale", out) as f:
                fresh = swap_crls(cluster.pki)
                f["fired_s"] = wait_state(prom, "ZairyuCrlStale", True, 90 + fors["ZairyuCrlStale"])
                restore_crls(cluster.pki, fresh)
                f["resolved_s"] = wait_state(prom, "ZairyuCrlStale", False, 120)
                wait_state(prom, "ZairyuCrlStaleCritical", False, 120)

            # 5. consumers taking messages 11 minutes after they were published: copies of an event already
            #    handled (so each inbox takes them as the duplicates they are), stamped as leaving the outbox
            #    11 minutes ago, arriving one after another as a queue behind by 11 minutes gives them
            with fault(report, "messages taken 11 minutes after publication", "ZairyuQueueBacklogOld", out) as f:
                with late_messages(
                    broker,
                    cluster.databases["intake"],
                    minutes=11,
                    data_keys=cluster.procs["intake-consume"].env["ZAIRYU_DATA_KEYS"],
                ) as sent:
                    f["fired_s"] = wait_state(prom, "ZairyuQueueBacklogOld", True, 90 + fors["ZairyuQueueBacklogOld"])
                    sample_panels(prom, panels)
                f["late_messages"] = sent[0]
                f["resolved_s"] = wait_state(prom, "ZairyuQueueBacklogOld", False, 90)

            # 6. the returned card left where it is (stall limit for `returned`: 0 days); the clerk posts it again
            with fault(report, "a returned card left in the mailroom", "ZairyuCardDeliveriesStalled", out) as f:
                f["fired_s"] = wait_state(
                    prom,
                    "ZairyuCardDeliveriesStalled",
                    True,
                    120 + fors["ZairyuCardDeliveriesStalled"],
                    match={"state": "returned"},
                    since=returned_at,
                )
                sample_panels(prom, panels)
                redispatch(cluster, returned)
                f["resolved_s"] = wait_state(prom, "ZairyuCardDeliveriesStalled", False, 90)

            # 7. cases past their target (0 days: every open case); the officers decide every one of them
            with fault(report, "cases left undecided past their target", "ZairyuReviewCasesPastTarget", out) as f:
                f["fired_s"] = wait_state(
                    prom,
                    "ZairyuReviewCasesPastTarget",
                    True,
                    120 + fors["ZairyuReviewCasesPastTarget"],
                    since=received_at,
                )
                sample_panels(prom, panels)
                f["decided"] = decide_all_open(cluster, out)
                f["resolved_s"] = wait_state(prom, "ZairyuReviewCasesPastTarget", False, 120)

            sample_panels(prom, panels)
        finally:
            prom.stop()
    for f in report:
        out(f'alert_fired_seconds{{alert="{f["alert"]}"}}: {f.get("fired_s", -1):.1f} s')
        out(f'alert_resolved_seconds{{alert="{f["alert"]}"}}: {f.get("resolved_s", -1):.1f} s')
    empty = [p for p, n in panels.items() if n == 0]
    out(f"dashboard_panels_with_data: {len(panels) - len(empty)} panels (of {len(panels)})")
    for p in empty:
        out(f"# panel without data: {p}")
    return {"faults": report, "panels": panels, "answers_5xx": outage_5xx}


# The limits the business alerts count against, set to 0 days (settings, not code), so a returned card and
# cases left undecided are late at once; the gauges behind them refreshed every 6 seconds instead of 15 minutes.
SHORT_LIMITS = {
    "ZAIRYU_CARD_STALL_DAYS": "returned=0",
    "ZAIRYU_DEADLINE_CHECK_MINUTES": "0.1",
    "ZAIRYU_REVIEW_TARGET_DAYS": "change=0,extension=0,coe=0,acquisition=0,employment_certificate=0",
    "ZAIRYU_REVIEW_PERIODIC_MINUTES": "0.1",
}

_applicants: list = []  # registered once per run
REFUSED_ADDRESS = "no-such-mailbox@example.jp"


def traffic(cluster, size: int, out, wait: bool = True) -> None:
    """Signed applications through the real system, so the rate and counter panels have something; the last
    one signed with another applicant's card (refused by signing: the rejections panel)."""
    intake = Intake(cluster.url("intake"))
    photo = photo_jpeg()
    if not _applicants:
        # a registration whose address the relay refuses for good (550): notify's notice fails
        cluster.mail.refused.add(REFUSED_ADDRESS)
        r = requests.post(
            cluster.url("intake") + "/api/v1/registrations",
            json={"email": REFUSED_ADDRESS, "language": "en"},
            headers={"X-Zairyu-Api": "1", "X-Forwarded-For": address_of(79999)},
            timeout=30,
        )
        assert r.status_code == 202, r.text[:300]
        holders = cluster.pki.holders_of_kind("valid")
        _applicants.extend(
            intake.register(cluster.pki, h, f"alerts{i}@example.jp", cluster.mail, address_of(70000 + i))
            for i, h in enumerate(holders)
        )
    applicants = _applicants
    ids = []
    for i in range(size):
        owner = applicants[i % len(applicants)]
        signer = applicants[(i + 1) % len(applicants)] if i == size - 1 else owner
        code, content = intake.prepare(owner, photo, address_of(i + 1), retries=5)
        r = intake.post_signature(owner.session, code, _b64(signer.card.sign(content)), address_of(i + 1), retries=5)
        assert r.status_code == 200, r.text[:300]
        if signer is owner:
            ids.append(r.json()["application_id"])
    if not wait:
        return
    engine = sa.create_engine(cluster.databases["intake"])
    try:
        settle(lambda: _received(engine, ids) == len(ids), timeout=180, message="applications received")
    finally:
        engine.dispose()
    out(f"alerts_traffic_applications: {len(ids)} applications")


def _received(engine, ids) -> int:
    with engine.connect() as c:
        return c.execute(
            sa.text("SELECT count(*) FROM applications WHERE status = 'received' AND id = ANY(:ids)"), {"ids": ids}
        ).scalar()


def _b64(der: bytes) -> str:
    import base64

    return base64.b64encode(der).decode()


def stage_old_event(database_url: str, minutes: int) -> None:
    """An event committed `minutes` ago and not yet published (the relay cannot: the broker is gone). It is a
    copy of the last one the service published, same body and so same event id inside: once the broker is back
    and it goes out, every consumer's inbox takes it as the duplicate it is, so it changes nothing."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as c:
            row = c.execute(
                sa.text("SELECT event_type, exchange, correlation_id, body FROM outbox ORDER BY seq DESC LIMIT 1")
            ).one()
            c.execute(
                sa.text(
                    "INSERT INTO outbox (event_id, event_type, exchange, correlation_id, body, created_at) "
                    "VALUES (:id, :t, :x, :c, :b, :at)"
                ),
                {
                    "id": str(uuid.uuid4()),
                    "t": row.event_type,
                    "x": row.exchange,
                    "c": row.correlation_id,
                    "b": row.body,
                    "at": datetime.now(UTC) - timedelta(minutes=minutes),
                },
            )
    finally:
        engine.dispose()


def stage_failing_event(intake_database_url: str) -> None:
    """An application.documents_submitted that its contract accepts, for an application review has never
    received: review's handler raises on every attempt and the message is dead-lettered. Staged in intake's
    outbox (intake is its producer), so intake's own relay publishes it."""
    from zairyu_shared.events.envelope import new_event

    ghost = str(uuid.uuid4())
    event = new_event(
        "application.documents_submitted",
        {
            "application_id": ghost,
            "applicant_id": str(uuid.uuid4()),
            "request_id": str(uuid.uuid4()),
            "attachments": [{"sha256": "0" * 64, "media_type": "application/pdf", "size": 1, "kind": "other"}],
            "submitted_at": datetime.now(UTC).isoformat(),
        },
        source="intake",
        correlation_id=ghost,
    )
    from zairyu_shared.events.registry import spec_for

    engine = sa.create_engine(intake_database_url)
    try:
        with engine.begin() as c:
            c.execute(
                sa.text(
                    "INSERT INTO outbox (event_id, event_type, exchange, correlation_id, body, created_at) "
                    "VALUES (:id, :t, :x, :c, :b, now())"
                ),
                {
                    "id": event.id,
                    "t": event.type,
                    "x": spec_for(event.type, event.version).exchange,
                    "c": event.correlation_id,
                    "b": event.to_json(),
                },
            )
            c.execute(sa.text("SELECT pg_notify(:ch, '')"), {"ch": NOTIFY_CHANNEL})
    finally:
        engine.dispose()


def _opened(engine, body: str, data_keys: str) -> str:
    """The event's JSON: intake keeps a personal event's body sealed under the person's data key (issue 20); the
    relay opens it to publish, and so does this copy, with intake's service keys."""
    from zairyu_shared import crypto, subject_keys
    from zairyu_shared.outbox import open_body

    crypto.configure(data_keys.split(","))
    ring = subject_keys.Keyring(subject_keys.add_subject_key_tables(sa.MetaData()), engine)
    return open_body(body, ring)


@contextmanager
def late_messages(broker, intake_database_url: str, minutes: int, data_keys: str, every: float = 0.1):
    """While inside: copies of an application.submitted intake published, each stamped (AMQP timestamp) as published
    `minutes` ago, sent every `every` seconds to its exchange, so its consumers keep taking messages that old.
    Yields a one-item list that ends holding how many were sent."""
    import threading

    import pika

    engine = sa.create_engine(intake_database_url)
    try:
        with engine.connect() as c:
            # an application.submitted signing and notify have already handled (not the failing event staged
            # for the dead-letter fault)
            row = c.execute(
                sa.text(
                    "SELECT event_type, exchange, body FROM outbox WHERE event_type = 'application.submitted' "
                    "AND sent_at IS NOT NULL ORDER BY seq DESC LIMIT 1"
                )
            ).one()
        body = _opened(engine, row.body, data_keys)
    finally:
        engine.dispose()
    event_id = json.loads(body)["id"]
    stop = threading.Event()
    sent = [0]

    def send() -> None:
        with pika.BlockingConnection(pika.URLParameters(broker.amqp_url().split(";")[0])) as conn:
            ch = conn.channel()
            while not stop.is_set():
                ch.basic_publish(
                    row.exchange,
                    row.event_type,
                    body.encode(),
                    pika.BasicProperties(
                        content_type="application/json",
                        delivery_mode=2,
                        message_id=event_id,
                        type=row.event_type,
                        timestamp=int(time.time()) - minutes * 60,
                    ),
                )
                sent[0] += 1
                stop.wait(every)

    thread = threading.Thread(target=send, name="late-messages", daemon=True)
    thread.start()
    try:
        yield sent
    finally:
        stop.set()
        thread.join(30)


def documents_queue(broker) -> str:
    return next(q for q in broker.queues() if q.startswith("review.") and q.endswith("documents_submitted"))


def database_outage(cluster, service: str, seconds: float) -> int:
    """`service`'s database refuses every new connection (ALLOW_CONNECTIONS false: CONNECTION LIMIT 0 does not
    bind the superuser the services connect as) and its open ones are ended, for `seconds`, while its front is
    asked for pages that need the database; returns how many answers were 5xx."""
    from zairyu_shared import testing

    name = cluster.databases[service].rsplit("/", 1)[1].split("?", 1)[0]
    admin = sa.create_engine(testing.PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    answers_5xx = 0
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": name})
        try:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for path in ("/readyz", "/login"):
                    try:
                        r = requests.get(cluster.url(service) + path, timeout=5)
                        answers_5xx += r.status_code >= 500
                    except requests.RequestException:
                        pass
                time.sleep(0.2)
        finally:
            with admin.connect() as c:
                c.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
    settle(
        lambda: requests.get(cluster.url(service) + "/readyz", timeout=5).status_code == 200,
        timeout=60,
        message=f"{service} ready again after its database outage",
    )
    return answers_5xx


def poison(broker) -> str:
    """Publish a body no contract accepts to review's busiest work queue's exchange binding; returns the queue."""
    import pika

    queues = [q for q in broker.queues() if q.startswith("review.") and not q.endswith((".dlq", ".dlx"))]
    queue = sorted(queues)[0]
    url = broker.amqp_url().split(";")[0]
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        ch = conn.channel()
        ch.basic_publish(
            "", queue, b"{not json", pika.BasicProperties(content_type="application/json", message_id=str(uuid.uuid4()))
        )
    return queue


def swap_crls(pki) -> dict[Path, bytes]:
    """Each CA's CRL replaced by one issued 27 hours ago (still within its nextUpdate and ZAIRYU_CRL_MAX_AGE, so
    signing keeps using it: what a daily CRL whose successor the hourly sync failed to install for 3 hours leaves)."""
    from cryptography import x509

    from signing.testpki.crl import build_crl

    fresh: dict[Path, bytes] = {}
    now = datetime.now(UTC)
    for ca in pki.cas:
        if not (ca.trusted and ca.crl_path and Path(ca.crl_path).exists()):
            continue
        path = Path(ca.crl_path)
        fresh[path] = path.read_bytes()
        current = x509.load_der_x509_crl(fresh[path])
        number = current.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        revoked = [(r.serial_number, r.revocation_date_utc, None) for r in current]
        path.write_bytes(
            build_crl(
                issuer=ca.cert,
                issuer_key=ca.key,
                this_update=now - timedelta(hours=27),
                next_update=now + timedelta(hours=17),
                number=number,
                revoked=revoked,
            )
        )
    return fresh


def restore_crls(pki, fresh: dict[Path, bytes]) -> None:
    for p, data in fresh.items():
        p.write_bytes(data)


def panel_queries() -> dict[str, str]:
    found = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board.get("panels", []):
            for i, target in enumerate(panel.get("targets", [])):
                expr = target.get("expr")
                if expr:
                    found[f"{path.stem}: {panel.get('title', '?')}#{i}"] = expr
    return found


def sample_panels(prom: Prometheus, seen: dict[str, int]) -> None:
    """Series each panel's query returns now (template variables as 'All', Grafana's rate interval as 1m),
    kept as the most seen over the run: a panel such as "queues without a consumer" has data during a fault."""
    for name, expr in panel_queries().items():
        q = re.sub(r"\$__rate_interval", "1m", expr)
        q = re.sub(r'=~"\$[a-z_]+"', '=~".*"', q)
        seen[name] = max(seen.get(name, 0), len(prom.api("query", query=q)["result"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20, help="applications sent before the faults")
    parser.add_argument("--workdir")
    args = parser.parse_args(argv)
    if shutil.which("prometheus") is None:
        print("prometheus not found: apt-get install prometheus (Debian)")
        return 2
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="zairyu-alerts-"))
    result = run(workdir, args.size, out=lambda line: print(line, flush=True))
    missing = [f["alert"] for f in result["faults"] if "resolved_s" not in f]
    return 1 if missing else 0


# -- officers at work: decisions in review, card deliveries in the mailroom ------------------------------
def _cli_officer(cluster, service: str, args: list[str]) -> tuple[str, str]:
    """An officer made by the service's own CLI against its database; (password, TOTP secret) as printed."""
    env = cluster.procs[f"{service}-web"].env
    out = subprocess.run(
        [str(Path(sys.executable).parent / f"zairyu-{service}"), "create-officer", *args],
        env={k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    password = re.search(r"password\s+(\S+)", out).group(1)
    secret = re.search(r"TOTP secret\s+([A-Z2-7]+)", out).group(1)
    return password, secret


class _Browser(requests.Session):
    """A requests session as a browser: the fronts mark their cookies Secure (TLS in production); here it
    is plain HTTP on 127.0.0.1, so the jar is told to send them anyway."""

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def _browser() -> _Browser:
    sess = _Browser()
    sess.headers["Accept-Language"] = "en"
    return sess


def _form(html: str, action_suffix: str, holding: str | None = None) -> dict[str, str]:
    """The hidden fields (CSRF token, version) of the page's form whose action ends with `action_suffix`
    (or, given `holding`, the form with that text inside, e.g. a sign-in form posting to its own page)."""
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        action = re.search(r'action="([^"]*)"', match.group(1))
        if (holding is not None and holding in match.group(2)) or (
            holding is None and action and action.group(1).endswith(action_suffix)
        ):
            fields = {}
            for tag in re.findall(r"<input\b[^>]*>", match.group(2)):
                if 'type="hidden"' in tag:
                    name = re.search(r'name="([^"]+)"', tag)
                    value = re.search(r'value="([^"]*)"', tag)
                    if name:
                        fields[name.group(1)] = value.group(1) if value else ""
            return fields
    raise AssertionError(f"no form ending {action_suffix!r} on the page: {html[:500]}")


def _sign_in(base: str, path: str, names: tuple[str, str, str], username: str, password: str, secret: str):
    import pyotp

    sess = _browser()
    page = sess.get(base + path, timeout=30).text
    data = {
        **_form(page, path, holding=f'name="{names[1]}"'),
        names[0]: username,
        names[1]: password,
        names[2]: pyotp.TOTP(secret).now(),
    }
    r = sess.post(base + path, data=data, allow_redirects=False, timeout=30)
    assert r.status_code in (302, 303), (username, r.status_code, r.text[:500])
    return sess


def _post_form(sess, base: str, page_path: str, action_suffix: str, data: dict) -> None:
    page = sess.get(base + page_path, timeout=30)
    assert page.status_code == 200, (page_path, page.status_code)
    r = sess.post(
        base + page_path + action_suffix,
        data={**_form(page.text, action_suffix), **data},
        allow_redirects=False,
        timeout=30,
    )
    said = re.findall(r'class="(?:field-error|flash[^"]*)"[^>]*>(.*?)</', r.text, re.S) + re.findall(
        r'class="error-summary".*?<ul>(.*?)</ul>', r.text, re.S
    )
    assert r.status_code in (302, 303), (page_path + action_suffix, r.status_code, said or r.text[:500])


def _officers(cluster, bureau: str, tag: str):
    """An examiner and a supervisor of `bureau`, made by review's CLI and signed in to its web front."""
    base = cluster.url("review")
    signed_in = []
    for role in ("examiner", "supervisor"):
        name = f"chaos-{role}{tag}"
        password, secret = _cli_officer(
            cluster,
            "review",
            [name, "--display-name", f"Chaos {role}", "--role", role, "--bureau", bureau, "--staff-id", f"{name}-1"],
        )
        signed_in.append(_sign_in(base, "/login", ("username", "password", "totp"), name, password, secret))
    return signed_in[0], signed_in[1]


def _decide_case(cluster, engine, examiner, supervisor, app_id: str, approve: bool) -> None:
    """The examiner claims and proposes, the supervisor confirms (four eyes)."""
    base = cluster.url("review")

    def status():
        with engine.connect() as c:
            return c.execute(sa.text("SELECT status FROM cases WHERE application_id = :a"), {"a": app_id}).scalar()

    case = f"/cases/{app_id}"
    examiner.get(base + case + "?purpose=examination", timeout=30)  # the file opens once a purpose is said
    _post_form(examiner, base, case, "/claim", {})
    if approve:
        proposal = {"outcome": "approved", "granted_status": "engineer_humanities", "period_of_stay": "P3Y"}
    else:
        proposal = {"outcome": "refused", "reason_codes": "documents", "explanation": "chaos: refused on purpose"}
    _post_form(examiner, base, case, "/propose", proposal)
    assert status() == "decision_proposed", (app_id, status())
    supervisor.get(base + case + "?purpose=supervision", timeout=30)
    _post_form(supervisor, base, case, "/confirm", {"acknowledge": "yes"})
    assert status() == ("approved" if approve else "refused"), (app_id, status())


def decide(cluster, approve: int, refuse: int, out) -> list[str]:
    """Two officers of the bureau holding the received cases (Tokyo for the test PKI's holders) sign off
    cases through review's web front: the examiner claims and proposes, the supervisor confirms (four
    eyes). Returns the approved applications."""
    engine = sa.create_engine(cluster.databases["review"])
    try:

        def received():
            with engine.connect() as c:
                return c.execute(
                    sa.text("SELECT bureau, application_id FROM cases WHERE status = 'received' ORDER BY received_at")
                ).all()

        rows = settle(lambda: len(received()) >= approve + refuse and received(), 60, "received cases")
        bureau = max({r.bureau for r in rows}, key=lambda b: sum(r.bureau == b for r in rows))
        ids = [r.application_id for r in rows if r.bureau == bureau][: approve + refuse]
        assert len(ids) == approve + refuse, rows
        examiner, supervisor = _officers(cluster, bureau, "")
        approved = []
        for n, app_id in enumerate(ids):
            _decide_case(cluster, engine, examiner, supervisor, app_id, approve=n < approve)
            if n < approve:
                approved.append(app_id)
    finally:
        engine.dispose()
    out(f"alerts_decisions: {len(approved)} approved, {len(ids) - len(approved)} refused")
    return approved


def decide_all_open(cluster, out) -> int:
    """Every case still open (all received, none further) decided, refused, by officers of its bureau: what
    clears the bureau's cases past their target. Returns how many."""
    engine = sa.create_engine(cluster.databases["review"])
    try:
        with engine.connect() as c:
            rows = c.execute(
                sa.text("SELECT bureau, application_id, status FROM cases WHERE is_open ORDER BY received_at")
            ).all()
        assert all(r.status == "received" for r in rows), rows
        for bureau in sorted({r.bureau for r in rows}):
            examiner, supervisor = _officers(cluster, bureau, f"-{bureau}-late")
            for r in rows:
                if r.bureau == bureau:
                    _decide_case(cluster, engine, examiner, supervisor, r.application_id, approve=False)
    finally:
        engine.dispose()
    out(f"alerts_cases_decided_past_target: {len(rows)}")
    return len(rows)


def redispatch(cluster, delivery_id: str) -> None:
    """The mailroom posts a returned card again (a new tracking number): it leaves the `returned` state."""
    base = cluster.url("card-delivery")
    password, secret = _cli_officer(cluster, "card-delivery", ["chaos-clerk-2", "--display-name", "Chaos Clerk 2"])
    clerk = _sign_in(base, "/mailroom/sign-in", ("username", "password", "code"), "chaos-clerk-2", password, secret)
    _post_form(clerk, base, f"/mailroom/cases/{delivery_id}", "/dispatch", {"tracking_number": "770000000099"})


def deliver(cluster, approved: list[str], out) -> str:
    """The mailroom's steps for each approved case through card-delivery's web front: envelope, issue,
    dispatch, then delivered, except the last one, which the carrier brings back (returned; its delivery id
    is returned)."""
    base = cluster.url("card-delivery")
    password, secret = _cli_officer(cluster, "card-delivery", ["chaos-clerk", "--display-name", "Chaos Clerk"])
    clerk = _sign_in(base, "/mailroom/sign-in", ("username", "password", "code"), "chaos-clerk", password, secret)
    engine = sa.create_engine(cluster.databases["card-delivery"])
    try:

        def cases():
            with engine.connect() as c:
                return c.execute(
                    sa.text(
                        "SELECT delivery_id, fee_yen, old_card_number, fee_paid_online_yen IS NOT NULL AS paid_online "
                        "FROM delivery_cases "
                        "WHERE application_id = ANY(:ids) AND state = 'awaiting_envelope'"
                    ),
                    {"ids": approved},
                ).all()

        rows = settle(lambda: len(cases()) == len(approved) and cases(), 60, "delivery cases opened")
        for n, row in enumerate(rows):
            page = f"/mailroom/cases/{row.delivery_id}"
            # the envelope holds the old card (its number as on record) and the stamps for the fee
            handed_in = {"old_card_number": row.old_card_number or ""}
            if not row.paid_online:
                handed_in["fee_yen"] = str(row.fee_yen)
            _post_form(clerk, base, page, "/envelope", handed_in)
            _post_form(clerk, base, page, "/issue", {"confirm": "y"})
            with engine.connect() as c:
                state = c.execute(
                    sa.text("SELECT state FROM delivery_cases WHERE delivery_id = :d"), {"d": row.delivery_id}
                ).scalar()
            if state == "address_flagged":  # the two addresses differ: the officer decides where the card goes
                _post_form(
                    clerk, base, page, "/address", {"decision": "mail_certificate", "note": "chaos: as certified"}
                )
            # Japan Post registered mail: 11-13 digits
            _post_form(clerk, base, page, "/dispatch", {"tracking_number": f"7700000000{n:02d}"})
            if n < len(rows) - 1:
                _post_form(clerk, base, page, "/delivered", {})
            else:
                _post_form(clerk, base, page, "/return", {"reason": "addressee unknown"})
        with engine.connect() as c:
            states = dict(
                c.execute(
                    sa.text(
                        "SELECT state, count(*) FROM delivery_cases WHERE application_id = ANY(:ids) GROUP BY state"
                    ),
                    {"ids": approved},
                ).all()
            )
    finally:
        engine.dispose()
    out(f"alerts_card_deliveries: {states}")
    assert states.get("delivered") == len(rows) - 1 and states.get("returned") == 1, states
    return rows[-1].delivery_id


if __name__ == "__main__":
    sys.exit(main())
