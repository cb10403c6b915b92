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
  outbox meanwhile; a message dead-lettered; the CRLs replaced by 12-day-old ones. Each alert must reach
  `firing` through Prometheus' API and be gone after recovery.
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

import sqlalchemy as sa
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applicants import Intake, address_of, photo_jpeg
from cluster import free_port, running_system, settle
from rabbit_cluster import rabbit_cluster

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


def wait_state(prom: Prometheus, alert: str, firing: bool, timeout: float, match=None) -> float:
    """Seconds until `alert` is firing (or gone), optionally with labels matching `match`."""
    t0 = time.monotonic()

    def reached() -> bool:
        now = prom.firing().get(alert, [])
        hit = [labels for labels in now if match is None or all(labels.get(k) == v for k, v in match.items())]
        return bool(hit) == firing

    settle(reached, timeout=timeout, message=f"{alert} {'firing' if firing else 'resolved'}", interval=0.5)
    return time.monotonic() - t0


@contextmanager
def fault(report: list, name: str, alert: str, out):
    entry = {"fault": name, "alert": alert}
    report.append(entry)
    out(f"# fault: {name} -> expecting {alert}")
    yield entry


def run(workdir: Path, size: int = 20, out=print) -> dict:
    report: list[dict] = []
    _applicants.clear()
    with rabbit_cluster(workdir, size=1, prometheus=True) as broker, running_system(workdir, broker=broker) as cluster:
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
            with fault(report, "a malformed message on review's queue", "ZairyuDeadLetterQueueNotEmpty", out) as f:
                queue = poison(broker)
                f["fired_s"] = wait_state(
                    prom,
                    "ZairyuDeadLetterQueueNotEmpty",
                    True,
                    90 + fors["ZairyuDeadLetterQueueNotEmpty"],
                    match={"queue": queue + ".dlq"},
                )
                sample_panels(prom, panels)
                broker.ctl("purge_queue", "-p", broker.vhost, queue + ".dlq")
                f["resolved_s"] = wait_state(prom, "ZairyuDeadLetterQueueNotEmpty", False, 90)

            # 4. stale CRLs: signing given the CRLs as issued 12 days ago
            with fault(report, "signing's CRLs replaced by 12-day-old ones", "ZairyuCrlStale", out) as f:
                fresh = swap_crls(cluster.pki)
                f["fired_s"] = wait_state(prom, "ZairyuCrlStale", True, 90 + fors["ZairyuCrlStale"])
                restore_crls(cluster.pki, fresh)
                f["resolved_s"] = wait_state(prom, "ZairyuCrlStale", False, 120)
                wait_state(prom, "ZairyuCrlStaleCritical", False, 120)

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
    return {"faults": report, "panels": panels}


_applicants: list = []  # registered once per run


def traffic(cluster, size: int, out, wait: bool = True) -> None:
    """Signed applications through the real system, so the rate and counter panels have something; the last
    one signed with another applicant's card (refused by signing: the rejections panel)."""
    intake = Intake(cluster.url("intake"))
    photo = photo_jpeg()
    if not _applicants:
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
    """Each CA's CRL replaced by one issued 7 hours ago (still within its nextUpdate, so signing keeps using it:
    exactly what the hourly sync failing for 7 hours leaves behind)."""
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
                this_update=now - timedelta(hours=7),
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


if __name__ == "__main__":
    sys.exit(main())
