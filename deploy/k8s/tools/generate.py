"""Writes the per-service Kustomize bases and the broker topology from one table.

The five services differ only in a few facts (ingress, mounts, SMTP, which events they consume), so
their manifests come from this script rather than five hand-copied trees. Run it after changing a
service's facts below or the event catalogue (zairyu_shared.events), and commit the output:

    .venv/bin/python deploy/k8s/tools/generate.py

tests/deploy/test_k8s_generated.py fails when the committed files differ from what this writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import dashboards
import yaml

K8S = Path(__file__).resolve().parents[1]
REPO = K8S.parents[1]

PART_OF = "zairyu"
UID = 10001
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
CONSUMER_GRACE_SECONDS = 60  # a consumer finishes its in-flight message on SIGTERM
QUEUE_MAX_LENGTH = 100_000
DLQ_MAX_LENGTH = 1_000_000

# Per service: the facts that differ. "ingress" is public | bureau | None; "calls" are the services
# whose web front (internal API) it calls over HTTP; "store" a writable volume for its files.
SIGNING_API = "http://zairyu-signing-web"
INTAKE_API = "http://zairyu-intake-web"
PUBLIC = "https://apply.zairyu.example.jp"
REVIEW = "https://review.zairyu.example.jp"
MAILROOM = "https://mailroom.zairyu.example.jp"
# Kubelet probes and in-cluster callers come from private addresses; applicants' addresses come
# from X-Forwarded-For, trusted only from the ingress controller's pod range (set per cluster).
PRIVATE = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
# The fronts people sign in to sit behind one ingress controller: the client is the address it saw (one hop),
# read only from the controller's pod range, and their rate limits count in the namespace's Redis (across
# workers and pods). zairyu_shared.front; issue 15, finding 9.
INGRESS_PODS = "10.0.0.0/8"
BEHIND_INGRESS = {"ZAIRYU_PROXY_HOPS": "1", "ZAIRYU_PROXY_NETWORKS": INGRESS_PODS}
REDIS = "zairyu-redis"
# Review seals e-COEs and certificates (and signs the access log's tree heads) with keys in a PKCS#11 token: the
# module's path and the token's labels in the ConfigMap, the user PIN in a Secret mounted as a file (never in the
# environment), the key never leaves the token. SoftHSM2 (Debian's softhsm2, in review's image) keeps its token
# files on a volume shared by review's pods; with a network HSM an overlay sets ZAIRYU_COE_PKCS11_MODULE to the
# vendor's module and the token volume goes unused. docs/operations.md, "The bureau's signing key".
TOKEN_PIN_DIR = "/etc/zairyu/coe-token"
SOFTHSM_CONF_DIR = "/etc/zairyu/softhsm"
SOFTHSM_TOKENS = "/var/lib/zairyu/softhsm/tokens"
PKCS11 = {
    "ZAIRYU_COE_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so",
    "ZAIRYU_COE_TOKEN_LABEL": "zairyu-coe",
    "ZAIRYU_COE_KEY_LABEL": "coe-1",
    "ZAIRYU_COE_PIN_FILE": f"{TOKEN_PIN_DIR}/pin",
    "SOFTHSM2_CONF": f"{SOFTHSM_CONF_DIR}/softhsm2.conf",
}
# The erasure ledger (zairyu_shared.subject_keys.TombstoneLedger): every erasure of a person is appended to it before
# their data key goes, and `zairyu-<service> migrate` destroys again the key of everyone in it, so a database restored
# from a backup taken before an erasure forgets that person before it serves. It lives on a volume of its own per
# service (zairyu-<service>-erasure-ledger), never restored with the database; the prod overlay puts it on write-once
# storage kept longer than the 30 days of backups. Several pods append: a directory, each process writing a file of its
# own (O_APPEND is not atomic across NFS clients). docs/operations.md, "Erasure that reaches backups".
LEDGER_DIR = "/var/lib/zairyu/erasure-ledger"
SERVICES: dict[str, dict] = {
    "intake": {
        "pkg": "intake",
        "ingress": "public",
        "host": "apply.zairyu.example.jp",
        "calls": ["signing"],
        "store": "/var/lib/zairyu/intake-store",
        "config": {
            "ZAIRYU_INTAKE_URL": PUBLIC,
            "ZAIRYU_SIGNING_URL": SIGNING_API,
            "ZAIRYU_INTAKE_STORE": "/var/lib/zairyu/intake-store",
            "ZAIRYU_GEO_GATE": "true",
            "ZAIRYU_GEO_ALLOW": PRIVATE,
            **BEHIND_INGRESS,
        },
        "front": True,
        "web": {"cpu": "250m", "memory": "320Mi", "cpu_limit": "1", "memory_limit": "640Mi"},
    },
    "signing": {
        "pkg": "signing",
        "ingress": None,
        "trust": True,
        "config": {
            "ZAIRYU_SIGNING_URL": SIGNING_API,
            "ZAIRYU_TRUST_DIR": "/etc/zairyu/trust",
            "ZAIRYU_CRL_DIR": "/var/lib/zairyu/crl",
            "ZAIRYU_CRL_MAX_AGE": "129600",  # 36 h: J-LIS refreshes at least daily, plus 12 h (signing settings)
            "ZAIRYU_REVOCATION_SOFT_FAIL": "false",
        },
        "web": {"cpu": "250m", "memory": "256Mi", "cpu_limit": "1", "memory_limit": "512Mi"},
        "consumer": {"cpu": "250m", "memory": "256Mi", "cpu_limit": "1", "memory_limit": "512Mi"},
    },
    "review": {
        "pkg": "review",
        "ingress": "bureau",
        "host": "review.zairyu.example.jp",
        "calls": ["intake", "signing"],
        "config": {
            "ZAIRYU_REVIEW_URL": REVIEW,
            "ZAIRYU_INTAKE_URL": INTAKE_API,
            "ZAIRYU_SIGNING_URL": SIGNING_API,
            "ZAIRYU_REVIEW_SECURE_COOKIES": "true",
            **BEHIND_INGRESS,
            **PKCS11,
        },
        "front": True,
        "pkcs11": True,
    },
    "notify": {
        "pkg": "notify",
        "ingress": None,
        "smtp": True,
        "config": {
            "ZAIRYU_NOTIFY_URL": "http://zairyu-notify-web",
            "ZAIRYU_PORTAL_URL": PUBLIC,
            "ZAIRYU_REVIEW_URL": REVIEW,
            "ZAIRYU_SMTP_HOST": "smtp.zairyu.example.jp",
            "ZAIRYU_SMTP_PORT": "587",
            "ZAIRYU_SMTP_SECURITY": "starttls",
            "ZAIRYU_MAIL_FROM": "Zairyu <no-reply@zairyu.example.jp>",
        },
    },
    "card-delivery": {
        "pkg": "card_delivery",
        "ingress": "bureau",
        "host": "mailroom.zairyu.example.jp",
        "config": {"ZAIRYU_CARD_DELIVERY_URL": MAILROOM, **BEHIND_INGRESS},
        "front": True,
    },
}

DEFAULT_WEB = {"cpu": "100m", "memory": "256Mi", "cpu_limit": "1", "memory_limit": "512Mi"}
DEFAULT_CONSUMER = {"cpu": "100m", "memory": "192Mi", "cpu_limit": "500m", "memory_limit": "384Mi"}

RABBITMQ = "zairyu-rabbitmq"
# Handler queues are <service>.<handler> (dead-letter queues add .dlq); alerts, dashboards and KEDA match this.
WORK_QUEUE_PATTERN = "^[a-z-]+\\.[a-z0-9_]+$"


def consumed_queues() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per service, (queue, event types) of its handlers, found the way `zairyu-bus topology` finds
    them: through the services' `zairyu.services` entry points (the packages must be installed)."""
    from importlib.metadata import entry_points

    out: dict[str, list] = {s: [] for s in SERVICES}
    for ep in entry_points(group="zairyu.services"):
        definition = ep.load()
        out[definition.name] = sorted(
            (h.queue_name(definition.name), tuple(h.event_types)) for h in definition.handlers
        )
    return out


def delivery_limit() -> int:
    """The queues' x-delivery-limit: the operator must declare exactly what the services declare."""
    from zairyu_shared.bus import DELIVERY_LIMIT

    return DELIVERY_LIMIT


def labels(svc: str, component: str) -> dict:
    return {"app.kubernetes.io/name": f"zairyu-{svc}", "app.kubernetes.io/component": component}


def resources(r: dict) -> dict:
    return {
        "requests": {"cpu": r["cpu"], "memory": r["memory"]},
        "limits": {"cpu": r["cpu_limit"], "memory": r["memory_limit"]},
    }


def container_security() -> dict:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security() -> dict:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def env(svc: str, facts: dict) -> list[dict]:
    db = facts["pkg"]
    # DATABASE_URL is composed from the credentials CloudNativePG was bootstrapped with;
    # $(VAR) expansion only sees variables defined earlier in this list.
    out = [
        {"name": "DB_USER", "valueFrom": {"secretKeyRef": {"name": f"zairyu-{svc}-db", "key": "username"}}},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"zairyu-{svc}-db", "key": "password"}}},
        {
            "name": "DATABASE_URL",
            "value": f"postgresql+psycopg://$(DB_USER):$(DB_PASSWORD)@zairyu-{svc}-db-rw:5432/{db}",
        },
        # The same Secret creates the service's RabbitMQ user (topology operator, broker.yaml).
        {"name": "AMQP_USER", "valueFrom": {"secretKeyRef": {"name": f"zairyu-{svc}-amqp", "key": "username"}}},
        {"name": "AMQP_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"zairyu-{svc}-amqp", "key": "password"}}},
        {"name": "AMQP_URL", "value": f"amqp://$(AMQP_USER):$(AMQP_PASSWORD)@{RABBITMQ}:5672//"},
        # A directory (the trailing "/"): a file per process in it. In the pod spec, not the ConfigMap, beside its mount.
        {"name": "ZAIRYU_ERASURE_LEDGER", "value": f"{LEDGER_DIR}/"},
    ]
    if facts.get("front"):
        # Rate limits in the namespace's Redis (base/platform/redis.yaml), its password from the zairyu-redis Secret.
        out += [
            {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": REDIS, "key": "password"}}},
            {"name": "ZAIRYU_RATELIMIT_STORAGE", "value": f"redis://:$(REDIS_PASSWORD)@{REDIS}:6379/0"},
        ]
    if facts.get("smtp"):
        for key in ("ZAIRYU_SMTP_USERNAME", "ZAIRYU_SMTP_PASSWORD"):
            out.append({"name": key, "valueFrom": {"secretKeyRef": {"name": "zairyu-smtp", "key": key}}})
    return out


def volumes(facts: dict) -> tuple[list[dict], list[dict]]:
    vols = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "prometheus", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
    ]
    mounts = [{"name": "tmp", "mountPath": "/tmp"}, {"name": "prometheus", "mountPath": "/tmp/prometheus"}]
    if facts.get("store"):
        vols.append({"name": "store", "persistentVolumeClaim": {"claimName": "zairyu-intake-store"}})  # storage.yaml
        mounts.append({"name": "store", "mountPath": facts["store"]})
    if facts.get("trust"):
        vols += [
            {"name": "jpki-roots", "configMap": {"name": "zairyu-jpki-roots"}},
            {"name": "crl", "persistentVolumeClaim": {"claimName": "zairyu-crl", "readOnly": True}},
        ]
        mounts += [
            {"name": "jpki-roots", "mountPath": "/etc/zairyu/trust", "readOnly": True},
            {"name": "crl", "mountPath": "/var/lib/zairyu/crl", "readOnly": True},
        ]
    return vols, mounts


def token_volumes(svc: str) -> tuple[list[dict], list[dict]]:
    """The PKCS#11 token for the web and consumer pods (both seal documents): the PIN file from the Secret
    (group-readable by the pods' fsGroup only), SoftHSM2's configuration, and its token directory."""
    vols = [
        {
            "name": "coe-token-pin",
            "secret": {
                "secretName": f"zairyu-{svc}-coe-token",
                "items": [{"key": "pin", "path": "pin"}],
                "defaultMode": 0o440,
            },
        },
        {"name": "softhsm-conf", "configMap": {"name": f"zairyu-{svc}-softhsm"}},
        {"name": "softhsm-tokens", "persistentVolumeClaim": {"claimName": f"zairyu-{svc}-softhsm-tokens"}},
    ]
    mounts = [
        {"name": "coe-token-pin", "mountPath": TOKEN_PIN_DIR, "readOnly": True},
        {"name": "softhsm-conf", "mountPath": SOFTHSM_CONF_DIR, "readOnly": True},
        {"name": "softhsm-tokens", "mountPath": SOFTHSM_TOKENS},
    ]
    return vols, mounts


def token_resources(svc: str) -> list[dict]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"zairyu-{svc}-softhsm", "labels": labels(svc, "token")},
            "data": {
                "softhsm2.conf": f"directories.tokendir = {SOFTHSM_TOKENS}\nobjectstore.backend = file\nlog.level = ERROR\n"
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"zairyu-{svc}-softhsm-tokens", "labels": labels(svc, "token")},
            # The token's files (wrapped keys), shared by every web and consumer pod: ReadWriteMany; backed up.
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    ]


def ledger_volume(svc: str, component: str) -> tuple[list[dict], list[dict]]:
    """The service's erasure ledger: appended to by the web and consumer pods, only read by the migration."""
    vol = {"name": "erasure-ledger", "persistentVolumeClaim": {"claimName": f"zairyu-{svc}-erasure-ledger"}}
    mount: dict = {"name": "erasure-ledger", "mountPath": LEDGER_DIR}
    if component == "migrate":
        mount["readOnly"] = True
    return [vol], [mount]


def ledger_claim(svc: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"zairyu-{svc}-erasure-ledger", "labels": labels(svc, "erasure-ledger")},
        # Every web, consumer and migrate pod of the service: ReadWriteMany. A line is an applicant id and a time
        # (about 70 bytes): 1 GiB holds some 15 million erasures. Not backed up or restored with the database.
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}},
    }


def pod_template(svc: str, facts: dict, component: str, container: dict, grace: int) -> dict:
    vols, mounts = volumes(facts)
    ledger_vols, ledger_mounts = ledger_volume(svc, component)
    vols, mounts = vols + ledger_vols, mounts + ledger_mounts
    if facts.get("pkcs11") and component in ("web", "consumer"):
        token_vols, token_mounts = token_volumes(svc)
        vols, mounts = vols + token_vols, mounts + token_mounts
    container = {
        "image": f"zairyu/{svc}",
        "imagePullPolicy": "IfNotPresent",
        **container,
        "envFrom": [{"configMapRef": {"name": f"zairyu-{svc}-config"}}, {"secretRef": {"name": f"zairyu-{svc}-app"}}],
        "env": env(svc, facts),
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    return {
        "metadata": {"labels": {**labels(svc, component), "app.kubernetes.io/part-of": PART_OF}},
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": pod_security(),
            "terminationGracePeriodSeconds": grace,
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": labels(svc, component)},
                }
            ],
            "containers": [container],
            "volumes": vols,
        },
    }


def probe(path: str, port: str, period: int, failures: int) -> dict:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def web_deployment(svc: str, facts: dict) -> dict:
    container = {
        "name": "web",
        "command": ["gunicorn"],
        # gunicorn takes its worker count from WEB_CONCURRENCY (in the ConfigMap).
        "args": [
            "--bind",
            "0.0.0.0:8000",
            "--worker-tmp-dir",
            "/dev/shm",
            "--graceful-timeout",
            "25",
            "--access-logfile",
            "-",
            # Without the peer's address (the ingress; the client's IP is logged by the ingress controller
            # only, kept 90 days: RULES["log_line"]), the query string, the referrer and the browser.
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            # ...and one-time links' tokens in the path written as "…" (a link not yet spent stays secret).
            "--logger-class",
            "zairyu_shared.gunicorn_logging.RedactingLogger",
            f"{facts['pkg']}.entrypoints.web:create_app()",
        ],
        "ports": [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
        "resources": resources(facts.get("web", DEFAULT_WEB)),
        "startupProbe": probe("/healthz", "http", 2, 30),
        "livenessProbe": probe("/healthz", "http", 10, 3),
        "readinessProbe": probe("/readyz", "http", 5, 3),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"zairyu-{svc}-web", "labels": labels(svc, "web")},
        "spec": {
            # No replicas: the HorizontalPodAutoscaler owns the count.
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": labels(svc, "web")},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": pod_template(svc, facts, "web", container, 30),
        },
    }


def consumer_deployment(svc: str, facts: dict) -> dict:
    container = {
        "name": "consumer",
        "command": [f"zairyu-{svc}"],
        "args": ["consume"],
        "ports": [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}],
        "resources": resources(facts.get("consumer", DEFAULT_CONSUMER)),
        "startupProbe": probe("/healthz", "metrics", 2, 30),
        "livenessProbe": probe("/healthz", "metrics", 10, 3),
        "readinessProbe": probe("/readyz", "metrics", 5, 3),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"zairyu-{svc}-consumer", "labels": labels(svc, "consumer")},
        "spec": {
            # No replicas: the KEDA ScaledObject owns the count (never below 1: the outbox relay runs here).
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": labels(svc, "consumer")},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": pod_template(svc, facts, "consumer", container, CONSUMER_GRACE_SECONDS),
        },
    }


def migrate_job(svc: str, facts: dict) -> dict:
    container = {
        "name": "migrate",
        "command": [f"zairyu-{svc}"],
        "args": ["migrate"],
        "resources": resources(DEFAULT_CONSUMER),
    }
    template = pod_template(svc, facts, "migrate", container, 30)
    template["spec"]["restartPolicy"] = "Never"
    del template["spec"]["topologySpreadConstraints"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": f"zairyu-{svc}-migrate",
            "labels": labels(svc, "migrate"),
            # Argo CD runs it before syncing the new Deployments; with plain kubectl,
            # deploy/k8s/deploy.sh applies and waits for it first (docs/operations.md).
            "annotations": {
                "argocd.argoproj.io/hook": "PreSync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
            },
        },
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 86400,
            "template": template,
        },
    }


def services_yaml(svc: str) -> list[dict]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"zairyu-{svc}-web", "labels": labels(svc, "web")},
            "spec": {
                "type": "ClusterIP",
                "selector": labels(svc, "web"),
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        }
    ]


def autoscaling(svc: str) -> list[dict]:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"zairyu-{svc}-web", "labels": labels(svc, "web")},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"zairyu-{svc}-web"},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }
    # One trigger summing every work queue of this service (the .dlq queues don't match).
    prefix = svc.replace("-", "\\-")
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": f"zairyu-{svc}-consumer", "labels": labels(svc, "consumer")},
        "spec": {
            "scaleTargetRef": {"name": f"zairyu-{svc}-consumer"},
            "minReplicaCount": 1,
            "maxReplicaCount": 5,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "advanced": {
                "horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}
            },
            "triggers": [
                {
                    "type": "rabbitmq",
                    "name": "work-queues",
                    "metadata": {
                        "protocol": "http",
                        "mode": "QueueLength",
                        "value": "100",
                        "queueName": f"^{prefix}\\.[a-z0-9_]+$",
                        "useRegex": "true",
                        "operation": "sum",
                        "vhostName": "/",
                    },
                    "authenticationRef": {"name": "zairyu-rabbitmq-keda"},
                }
            ],
        },
    }
    return [hpa, scaled]


def pdbs(svc: str, has_consumer: bool) -> list[dict]:
    out = []
    for comp in ["web"] + (["consumer"] if has_consumer else []):
        out.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": f"zairyu-{svc}-{comp}", "labels": labels(svc, comp)},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(svc, comp)}},
            }
        )
    return out


def monitoring(svc: str, has_consumer: bool) -> list[dict]:
    out = [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": f"zairyu-{svc}-web", "labels": labels(svc, "web")},
            "spec": {
                "selector": {"matchLabels": labels(svc, "web")},
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}],
            },
        }
    ]
    if has_consumer:
        out.append(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PodMonitor",
                "metadata": {"name": f"zairyu-{svc}-consumer", "labels": labels(svc, "consumer")},
                "spec": {
                    "selector": {"matchLabels": labels(svc, "consumer")},
                    "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
                },
            }
        )
    return out


DNS_EGRESS = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


def from_namespace(ns: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}


def network_policies(svc: str, facts: dict, has_consumer: bool) -> list[dict]:
    db = {
        "to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": f"zairyu-{svc}-db"}}}],
        "ports": [{"protocol": "TCP", "port": 5432}],
    }
    broker = {
        "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": RABBITMQ}}}],
        "ports": [{"protocol": "TCP", "port": 5672}],
    }
    smtp = {
        "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
        "ports": [{"protocol": "TCP", "port": 587}, {"protocol": "TCP", "port": 465}],
    }
    out = []
    web_ingress = [{"from": [from_namespace("monitoring")], "ports": [{"protocol": "TCP", "port": 8000}]}]
    if facts["ingress"]:
        web_ingress.insert(0, {"from": [from_namespace("ingress-nginx")], "ports": [{"protocol": "TCP", "port": 8000}]})
    # Internal HTTP APIs: egress to the web fronts this service calls, ingress from its callers.
    calls = [
        {"to": [{"podSelector": {"matchLabels": labels(callee, "web")}}], "ports": [{"protocol": "TCP", "port": 8000}]}
        for callee in facts.get("calls", [])
    ]
    callers = sorted(other for other, f in SERVICES.items() if svc in f.get("calls", []))
    for caller in callers:
        web_ingress.append(
            {
                "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": f"zairyu-{caller}"}}}],
                "ports": [{"protocol": "TCP", "port": 8000}],
            }
        )
    app_egress = [DNS_EGRESS, db, broker] + calls + ([smtp] if facts.get("smtp") else [])
    redis = (
        [
            {
                "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": REDIS}}}],
                "ports": [{"protocol": "TCP", "port": 6379}],
            }
        ]
        if facts.get("front")
        else []
    )
    out.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": f"zairyu-{svc}-web"},
            "spec": {
                "podSelector": {"matchLabels": labels(svc, "web")},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": web_ingress,
                "egress": app_egress + redis,
            },
        }
    )
    if has_consumer:
        out.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"zairyu-{svc}-consumer"},
                "spec": {
                    "podSelector": {"matchLabels": labels(svc, "consumer")},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [{"from": [from_namespace("monitoring")], "ports": [{"protocol": "TCP", "port": 9100}]}],
                    "egress": app_egress,
                },
            }
        )
    out.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": f"zairyu-{svc}-migrate"},
            "spec": {
                "podSelector": {"matchLabels": labels(svc, "migrate")},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [],
                "egress": [DNS_EGRESS, db],
            },
        }
    )
    # Only this service's pods reach its database (CloudNativePG's own flows are in platform/).
    out.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": f"zairyu-{svc}-db-clients"},
            "spec": {
                "podSelector": {"matchLabels": {"cnpg.io/cluster": f"zairyu-{svc}-db"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": f"zairyu-{svc}"}}}],
                        "ports": [{"protocol": "TCP", "port": 5432}],
                    }
                ],
            },
        }
    )
    return out


def postgres(svc: str, facts: dict) -> list[dict]:
    db = facts["pkg"]
    return [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Cluster",
            "metadata": {"name": f"zairyu-{svc}-db", "labels": {"app.kubernetes.io/name": f"zairyu-{svc}-db"}},
            "spec": {
                "instances": 1,
                "imageName": "ghcr.io/cloudnative-pg/postgresql:16.4",
                "primaryUpdateStrategy": "unsupervised",
                "bootstrap": {"initdb": {"database": db, "owner": db, "secret": {"name": f"zairyu-{svc}-db"}}},
                "storage": {"size": "10Gi"},
                "postgresql": {"parameters": {"max_connections": "200", "log_min_duration_statement": "1000"}},
                "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
            },
        }
    ]


def broker_user(svc: str) -> list[dict]:
    """The service's own RabbitMQ user: it configures and writes only its own names (<svc>.*)
    and reads its own queues plus the producers' exchanges it binds to."""
    ref = {"name": RABBITMQ}
    own = "^" + svc.replace("-", "\\-") + "\\."
    return [
        {
            "apiVersion": "rabbitmq.com/v1beta1",
            "kind": "User",
            "metadata": {"name": f"zairyu-{svc}", "labels": labels(svc, "broker-user")},
            "spec": {"importCredentialsSecret": {"name": f"zairyu-{svc}-amqp"}, "rabbitmqClusterReference": ref},
        },
        {
            "apiVersion": "rabbitmq.com/v1beta1",
            "kind": "Permission",
            "metadata": {"name": f"zairyu-{svc}", "labels": labels(svc, "broker-user")},
            "spec": {
                "vhost": "/",
                "userReference": {"name": f"zairyu-{svc}"},
                "permissions": {"configure": own, "write": own, "read": f"({own}|^[a-z-]+\\.events$)"},
                "rabbitmqClusterReference": ref,
            },
        },
    ]


def ingress(svc: str, facts: dict) -> list[dict]:
    kind = facts["ingress"]
    if not kind:
        return []
    annotations = {
        "cert-manager.io/cluster-issuer": "zairyu-letsencrypt" if kind == "public" else "zairyu-internal-ca",
        "nginx.ingress.kubernetes.io/proxy-body-size": "30m",
    }
    if kind == "bureau":
        # Defence in depth: the bureau controller is only reachable from the bureau network,
        # and nginx refuses any other source address (the prod overlay sets the real ranges).
        annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] = "192.0.2.0/24"
    host = facts["host"]
    backend = {"service": {"name": f"zairyu-{svc}-web", "port": {"name": "http"}}}
    internal = {"service": {"name": "zairyu-internal-only", "port": {"name": "http"}}}
    paths = [{"path": p, "pathType": "Exact", "backend": internal} for p in ("/metrics", "/readyz", "/healthz")]
    paths.append({"path": "/", "pathType": "Prefix", "backend": backend})
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": f"zairyu-{svc}", "labels": labels(svc, "web"), "annotations": annotations},
            "spec": {
                "ingressClassName": "nginx" if kind == "public" else "nginx-bureau",
                "tls": [{"hosts": [host], "secretName": f"zairyu-{svc}-tls"}],
                "rules": [{"host": host, "http": {"paths": paths}}],
            },
        }
    ]


def kustomization(svc: str, facts: dict, files: list[str]) -> dict:
    config = {
        "LOG_LEVEL": "INFO",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": "/tmp/prometheus",
        "ZAIRYU_EMBEDDED": "false",
    }
    config.update(facts.get("config", {}))
    k = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": {"app.kubernetes.io/part-of": PART_OF}}],
        "resources": files,
        "configMapGenerator": [
            {"name": f"zairyu-{svc}-config", "literals": [f"{k}={v}" for k, v in sorted(config.items())]}
        ],
    }
    return k


def dump_all(docs: list[dict]) -> str:
    return "---\n".join(yaml.safe_dump(d, sort_keys=False, width=110) for d in docs)


HEADER = "# Generated by deploy/k8s/tools/generate.py; edit that script, not this file.\n"


def render() -> dict[Path, str]:
    queues = consumed_queues()
    files: dict[Path, str] = {}
    for svc, facts in SERVICES.items():
        base = K8S / "base" / svc
        # Every service runs a consumer process, handlers or not: its outbox relay lives there.
        has_consumer = True
        parts = {
            "web.yaml": [web_deployment(svc, facts)] + services_yaml(svc),
            "migrate-job.yaml": [migrate_job(svc, facts)],
            "autoscaling.yaml": autoscaling(svc),
            "pdb.yaml": pdbs(svc, has_consumer),
            "monitoring.yaml": monitoring(svc, has_consumer),
            "networkpolicy.yaml": network_policies(svc, facts, has_consumer),
            "postgres.yaml": postgres(svc, facts),
            "broker.yaml": broker_user(svc),
            "erasure-ledger.yaml": [ledger_claim(svc)],
        }
        if has_consumer:
            parts["consumer.yaml"] = [consumer_deployment(svc, facts)]
        if facts.get("store"):
            parts["storage.yaml"] = [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": f"zairyu-{svc}-store", "labels": labels(svc, "store")},
                    # Shared by every web and consumer pod of the service: ReadWriteMany.
                    "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "50Gi"}}},
                }
            ]
        if facts.get("pkcs11"):
            parts["token.yaml"] = token_resources(svc)
        if facts["ingress"]:
            parts["ingress.yaml"] = ingress(svc, facts)
        names = sorted(parts)
        if facts.get("trust"):
            names.append("crl-sync.yaml")  # hand-written, next to the generated files
        for name, docs in parts.items():
            files[base / name] = HEADER + dump_all(docs)
        k = kustomization(svc, facts, names)
        if facts.get("trust"):
            k["configMapGenerator"].append({"name": "zairyu-crl-sync", "files": ["crl_sync.py"]})
        files[base / "kustomization.yaml"] = HEADER + yaml.safe_dump(k, sort_keys=False, width=110)
    files[K8S / "base" / "platform" / "rabbitmq" / "topology.yaml"] = HEADER + dump_all(topology(queues))
    for name, text in dashboards.render().items():
        files[K8S / "base" / "platform" / "dashboards" / name] = text
    return files


def topology(queues: dict[str, list[tuple[str, tuple[str, ...]]]]) -> list[dict]:
    """Quorum queues with the arguments the services declare (zairyu_shared.bus.queues_for: a queue
    redeclared with other arguments fails with PRECONDITION_FAILED), and the policies for what
    arguments don't carry. Exchanges and bindings are declared by the services."""
    ref = {"name": RABBITMQ}
    limit = delivery_limit()
    docs: list[dict] = []
    for svc in sorted(queues):
        for queue, _types in queues[svc]:
            slug = queue.replace(".", "-").replace("_", "-")
            docs.append(
                {
                    "apiVersion": "rabbitmq.com/v1beta1",
                    "kind": "Queue",
                    "metadata": {"name": slug, "labels": {"zairyu.jp/service": svc}},
                    "spec": {
                        "name": queue,
                        "type": "quorum",
                        "durable": True,
                        "vhost": "/",
                        "arguments": {"x-dead-letter-exchange": f"{queue}.dlx", "x-delivery-limit": limit},
                        "rabbitmqClusterReference": ref,
                    },
                }
            )
            docs.append(
                {
                    "apiVersion": "rabbitmq.com/v1beta1",
                    "kind": "Queue",
                    "metadata": {"name": f"{slug}-dlq", "labels": {"zairyu.jp/service": svc}},
                    "spec": {
                        "name": f"{queue}.dlq",
                        "type": "quorum",
                        "durable": True,
                        "vhost": "/",
                        "rabbitmqClusterReference": ref,
                    },
                }
            )
    docs.append(
        {
            "apiVersion": "rabbitmq.com/v1beta1",
            "kind": "Policy",
            "metadata": {"name": "work-queues"},
            "spec": {
                "name": "work-queues",
                "vhost": "/",
                "pattern": WORK_QUEUE_PATTERN,
                "applyTo": "quorum_queues",
                "priority": 10,
                # Bounded, and full means publishers are refused (the outbox keeps the event and
                # retries) rather than messages dropped; at-least-once dead-lettering needs that.
                "definition": {
                    "max-length": QUEUE_MAX_LENGTH,
                    "overflow": "reject-publish",
                    "dead-letter-strategy": "at-least-once",
                },
                "rabbitmqClusterReference": ref,
            },
        }
    )
    docs.append(
        {
            "apiVersion": "rabbitmq.com/v1beta1",
            "kind": "Policy",
            "metadata": {"name": "dead-letter-queues"},
            "spec": {
                "name": "dead-letter-queues",
                "vhost": "/",
                "pattern": "\\.dlq$",
                "applyTo": "quorum_queues",
                "priority": 10,
                "definition": {"max-length": DLQ_MAX_LENGTH, "overflow": "reject-publish"},
                "rabbitmqClusterReference": ref,
            },
        }
    )
    return docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file differs")
    args = parser.parse_args()
    stale = []
    for path, text in render().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(REPO)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("out of date (run deploy/k8s/tools/generate.py):\n  " + "\n  ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
