"""Both overlays render, and what they render has the properties the platform relies on."""

from __future__ import annotations

import pytest
from deploy_helpers import K8S, OVERLAYS, SERVICES, by_kind, kustomize, named, rendered

WORKLOAD_KINDS = ("Deployment", "Job", "CronJob")


def pod_spec(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def pod_labels(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return obj["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict) -> bool:
    if "matchLabels" in selector or "matchExpressions" in selector:
        ok = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
        for expr in selector.get("matchExpressions", []):
            if expr["operator"] == "Exists":
                ok = ok and expr["key"] in labels
            elif expr["operator"] == "In":
                ok = ok and labels.get(expr["key"]) in expr["values"]
            else:
                raise AssertionError(f"operator {expr['operator']} not handled by this test")
        return ok
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("path", [f"base/{s}" for s in SERVICES] + ["base/platform"])
def test_each_base_renders_on_its_own(path):
    assert kustomize(K8S / path)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_into_its_namespace(overlay):
    objs = rendered(overlay)
    ns = {"dev": "zairyu-dev", "prod": "zairyu"}[overlay]
    namespaced = [o for o in objs if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {ns}
    assert named(objs, "Namespace", ns)["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_locked_down(overlay):
    for obj in (o for o in rendered(overlay) if o["kind"] in WORKLOAD_KINDS):
        spec = pod_spec(obj)
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec.get("automountServiceAccountToken") is False, where
        for c in spec["containers"] + spec.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert set(c["resources"]["requests"]) >= {"cpu", "memory"}, where
            assert "memory" in c["resources"]["limits"], where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_and_consumer_per_service_with_probes_and_grace(overlay):
    objs = rendered(overlay)
    for svc in SERVICES:
        web = named(objs, "Deployment", f"zairyu-{svc}-web")
        consumer = named(objs, "Deployment", f"zairyu-{svc}-consumer")
        (wc,) = pod_spec(web)["containers"]
        (cc,) = pod_spec(consumer)["containers"]
        assert wc["command"] == ["gunicorn"] and wc["args"][-1].endswith(".entrypoints.web:create_app()")
        assert cc["command"] == [f"zairyu-{svc}"] and cc["args"] == ["consume"]
        for c, port in ((wc, 8000), (cc, 9100)):
            assert c["ports"][0]["containerPort"] == port
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        # A consumer finishes its in-flight message on SIGTERM.
        assert pod_spec(consumer)["terminationGracePeriodSeconds"] >= 60
        # Replica counts belong to the autoscalers, not to the manifests.
        assert "replicas" not in web["spec"] and "replicas" not in consumer["spec"]
        env = {e["name"]: e for e in wc["env"]}
        assert env["DATABASE_URL"]["value"].startswith("postgresql+psycopg://$(DB_USER):$(DB_PASSWORD)@")
        assert env["AMQP_URL"]["value"].startswith("amqp://$(AMQP_USER):$(AMQP_PASSWORD)@")
        names = [e["name"] for e in wc["env"]]
        assert names.index("DB_PASSWORD") < names.index("DATABASE_URL")  # $(VAR) needs it defined first
        mounts = {m["mountPath"] for m in wc["volumeMounts"]}
        assert "/tmp/prometheus" in mounts  # prometheus multiprocess dir on a writable emptyDir


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_scales_and_has_disruption_budgets(overlay):
    objs = rendered(overlay)
    for svc in SERVICES:
        hpa = named(objs, "HorizontalPodAutoscaler", f"zairyu-{svc}-web")
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"zairyu-{svc}-web"
        so = named(objs, "ScaledObject", f"zairyu-{svc}-consumer")
        assert so["spec"]["scaleTargetRef"]["name"] == f"zairyu-{svc}-consumer"
        assert so["spec"]["minReplicaCount"] >= 1  # the outbox relay runs in the consumer
        (trigger,) = so["spec"]["triggers"]
        assert trigger["type"] == "rabbitmq" and trigger["authenticationRef"]["name"] == "zairyu-rabbitmq-keda"
        for comp in ("web", "consumer"):
            dep = named(objs, "Deployment", f"zairyu-{svc}-{comp}")
            pdbs = [p for p in by_kind(objs, "PodDisruptionBudget") if selects(p["spec"]["selector"], pod_labels(dep))]
            assert len(pdbs) == 1, f"{svc}-{comp}: {len(pdbs)} PodDisruptionBudgets"
    named(objs, "TriggerAuthentication", "zairyu-rabbitmq-keda")


def test_keda_regex_matches_work_queues_not_dead_letter_queues():
    import re

    so = named(rendered("prod"), "ScaledObject", "zairyu-card-delivery-consumer")
    pattern = re.compile(so["spec"]["triggers"][0]["metadata"]["queueName"])
    assert pattern.match("card-delivery.on_application_decided")
    assert not pattern.match("card-delivery.on_application_decided.dlq")
    assert not pattern.match("review.on_card_address_mismatch")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_per_service_runs_before_the_new_version(overlay):
    objs = rendered(overlay)
    for svc in SERVICES:
        job = named(objs, "Job", f"zairyu-{svc}-migrate")
        (c,) = pod_spec(job)["containers"]
        assert c["command"] == [f"zairyu-{svc}"] and c["args"] == ["migrate"]
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
        assert pod_spec(job)["restartPolicy"] == "Never"
    assert (K8S / "deploy.sh").exists()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_and_monitors_select_real_pods_and_ports(overlay):
    objs = rendered(overlay)
    templates = [(pod_labels(o), pod_spec(o)) for o in objs if o["kind"] in ("Deployment",)]

    def ports_of(selector):
        matched = [spec for labels, spec in templates if selects(selector, labels)]
        return matched, {p["name"] for spec in matched for c in spec["containers"] for p in c.get("ports", [])}

    for svc in by_kind(objs, "Service"):
        if not svc["spec"].get("selector"):
            continue  # zairyu-internal-only: deliberately no endpoints
        matched, ports = ports_of(svc["spec"]["selector"])
        assert matched, f"Service {svc['metadata']['name']} selects no pod"
        for p in svc["spec"]["ports"]:
            assert p["targetPort"] in ports
    for pm in by_kind(objs, "PodMonitor"):
        if pm["metadata"]["name"] == "zairyu-postgres":
            continue  # CloudNativePG's pods, created by the operator
        matched, ports = ports_of(pm["spec"]["selector"])
        assert matched and {e["port"] for e in pm["spec"]["podMetricsEndpoints"]} <= ports
    services = by_kind(objs, "Service")
    for sm in by_kind(objs, "ServiceMonitor"):
        if sm["metadata"]["name"] == "zairyu-rabbitmq":
            continue  # the operator's Service
        target = [s for s in services if selects(sm["spec"]["selector"], s["metadata"].get("labels", {}))]
        assert target, f"ServiceMonitor {sm['metadata']['name']} selects no Service"
        assert {e["port"] for e in sm["spec"]["endpoints"]} <= {p["name"] for s in target for p in s["spec"]["ports"]}
    for svc in SERVICES:
        named(objs, "ServiceMonitor", f"zairyu-{svc}-web")
        named(objs, "PodMonitor", f"zairyu-{svc}-consumer")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_exposure(overlay):
    objs = rendered(overlay)
    ingresses = {i["metadata"]["name"]: i for i in by_kind(objs, "Ingress")}
    assert set(ingresses) == {"zairyu-intake", "zairyu-review", "zairyu-card-delivery"}
    public = ingresses["zairyu-intake"]
    assert public["spec"]["ingressClassName"] == "nginx" and public["spec"]["tls"]
    assert "nginx.ingress.kubernetes.io/whitelist-source-range" not in public["metadata"].get("annotations", {})
    for name in ("zairyu-review", "zairyu-card-delivery"):
        ing = ingresses[name]
        assert ing["spec"]["ingressClassName"] == "nginx-bureau" and ing["spec"]["tls"]
        assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/whitelist-source-range"]
    for ing in ingresses.values():
        paths = {p["path"]: p for r in ing["spec"]["rules"] for p in r["http"]["paths"]}
        for internal in ("/metrics", "/readyz", "/healthz"):
            assert paths[internal]["pathType"] == "Exact"
            assert paths[internal]["backend"]["service"]["name"] == "zairyu-internal-only"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_default_deny_and_allow_the_needed_flows(overlay):
    objs = rendered(overlay)
    policies = by_kind(objs, "NetworkPolicy")
    deny = named(objs, "NetworkPolicy", "default-deny-all")
    assert deny["spec"]["podSelector"] == {} and set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]

    def allowed_ports(pod_labels_, direction):
        ports = set()
        for p in policies:
            if selects(p["spec"]["podSelector"], pod_labels_) and p["spec"]["podSelector"]:
                for rule in p["spec"].get(direction, []):
                    ports |= {q["port"] for q in rule.get("ports", [])}
        return ports

    for svc in SERVICES:
        for comp in ("web", "consumer"):
            labels = pod_labels(named(objs, "Deployment", f"zairyu-{svc}-{comp}"))
            egress = allowed_ports(labels, "egress")
            assert {53, 5432, 5672} <= egress, f"{svc}-{comp} egress {egress}"
            assert (587 in egress) == (svc == "notify"), f"only notify talks SMTP ({svc}-{comp})"
        web_in = allowed_ports(pod_labels(named(objs, "Deployment", f"zairyu-{svc}-web")), "ingress")
        assert web_in == {8000}
    # A service's database accepts only that service's pods.
    db_policy = named(objs, "NetworkPolicy", "zairyu-review-db-clients")
    (rule,) = db_policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "zairyu-review"}}}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_fronts_see_the_client_behind_the_ingress_and_count_limits_in_redis(overlay):
    """Issue 15, finding 9: hops at 0 made every client the ingress; memory:// gave each worker its own budget."""
    objs = rendered(overlay)
    for svc in ("intake", "review", "card-delivery"):
        (config,) = [
            c["data"] for c in by_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith(f"zairyu-{svc}-config")
        ]  # name-hashed by kustomize
        assert config["ZAIRYU_PROXY_HOPS"] == "1" and config["ZAIRYU_PROXY_NETWORKS"], svc
        assert not {"ZAIRYU_TRUSTED_PROXIES", "ZAIRYU_RATELIMIT_STORAGE_URI", "ZAIRYU_REVIEW_PROXY_HOPS"} & set(config)
        for comp in ("web", "consumer"):  # the settings are validated in every process of the service
            env = {
                e["name"]: e
                for e in pod_spec(named(objs, "Deployment", f"zairyu-{svc}-{comp}"))["containers"][0]["env"]
            }
            assert env["ZAIRYU_RATELIMIT_STORAGE"]["value"] == "redis://:$(REDIS_PASSWORD)@zairyu-redis:6379/0"
            assert list(env).index("REDIS_PASSWORD") < list(env).index("ZAIRYU_RATELIMIT_STORAGE")
    redis = named(objs, "Service", "zairyu-redis")
    pods = [
        d for d in by_kind(objs, "Deployment") if selects({"matchLabels": redis["spec"]["selector"]}, pod_labels(d))
    ]
    assert [d["metadata"]["name"] for d in pods] == ["zairyu-redis"]
    policy = named(objs, "NetworkPolicy", "zairyu-redis")
    for svc in ("intake", "review", "card-delivery"):
        web = pod_labels(named(objs, "Deployment", f"zairyu-{svc}-web"))
        assert any(selects(peer["podSelector"], web) for rule in policy["spec"]["ingress"] for peer in rule["from"])
    consumer = pod_labels(named(objs, "Deployment", "zairyu-intake-consumer"))
    assert not any(
        selects(peer["podSelector"], consumer) for rule in policy["spec"]["ingress"] for peer in rule["from"]
    )


def test_prod_is_highly_available_and_backed_up():
    objs = rendered("prod")
    assert named(objs, "RabbitmqCluster", "zairyu-rabbitmq")["spec"]["replicas"] == 3
    clusters = by_kind(objs, "Cluster")
    assert {c["metadata"]["name"] for c in clusters} == {f"zairyu-{s}-db" for s in SERVICES}
    scheduled = {b["spec"]["cluster"]["name"] for b in by_kind(objs, "ScheduledBackup")}
    for c in clusters:
        assert c["spec"]["instances"] == 3
        assert c["spec"]["backup"]["barmanObjectStore"]["destinationPath"].startswith("s3://")
        assert c["spec"]["backup"]["retentionPolicy"]
        assert c["metadata"]["name"] in scheduled
    named(objs, "PodDisruptionBudget", "zairyu-rabbitmq")


def test_dev_is_small():
    objs = rendered("dev")
    assert named(objs, "RabbitmqCluster", "zairyu-rabbitmq")["spec"]["replicas"] == 1
    assert all(c["spec"]["instances"] == 1 for c in by_kind(objs, "Cluster"))
    assert named(objs, "CronJob", "zairyu-signing-crl-sync")["spec"]["suspend"] is True


def test_signing_mounts_trust_roots_and_crls_read_only():
    objs = rendered("prod")
    for comp in ("web", "consumer"):
        (c,) = pod_spec(named(objs, "Deployment", f"zairyu-signing-{comp}"))["containers"]
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        assert mounts["/etc/zairyu/trust"]["readOnly"] and mounts["/var/lib/zairyu/crl"]["readOnly"]
    cron = named(objs, "CronJob", "zairyu-signing-crl-sync")
    (c,) = pod_spec(cron)["containers"]
    assert c["command"] == ["python", "/opt/crl-sync/crl_sync.py"]
    writable = {m["mountPath"] for m in c["volumeMounts"] if not m.get("readOnly")}
    assert "/var/lib/zairyu/crl" in writable
    assert named(objs, "PersistentVolumeClaim", "zairyu-crl")["spec"]["accessModes"] == ["ReadWriteMany"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_review_pods_reach_the_pkcs11_token_with_the_pin_in_a_mounted_file(overlay):
    """Issue 17: review seals e-COEs with a key in a PKCS#11 token; its pods get the module's path and labels in
    the ConfigMap, the user PIN as a file from a Secret (never in the environment), SoftHSM2's configuration
    and its token volume. Other services get none of it."""
    objs = rendered(overlay)
    (config,) = [c for c in by_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("zairyu-review-config")]
    settings = config["data"]
    assert settings["ZAIRYU_COE_PKCS11_MODULE"] == "/usr/lib/softhsm/libsofthsm2.so"
    assert settings["ZAIRYU_COE_TOKEN_LABEL"] and settings["ZAIRYU_COE_KEY_LABEL"]
    pin_file = settings["ZAIRYU_COE_PIN_FILE"]
    secrets = {s["metadata"]["name"]: s for s in by_kind(objs, "Secret")}
    softhsm = [c for c in by_kind(objs, "ConfigMap") if c["metadata"]["name"].startswith("zairyu-review-softhsm")]
    assert len(softhsm) == 1 and "directories.tokendir" in softhsm[0]["data"]["softhsm2.conf"]
    tokendir = softhsm[0]["data"]["softhsm2.conf"].split("directories.tokendir = ")[1].split("\n")[0]
    for comp in ("web", "consumer"):
        spec = pod_spec(named(objs, "Deployment", f"zairyu-review-{comp}"))
        (c,) = spec["containers"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        pin_mount = mounts[pin_file.rsplit("/", 1)[0]]
        assert pin_mount["readOnly"]
        secret = volumes[pin_mount["name"]]["secret"]
        assert secret["secretName"].startswith("zairyu-review-coe-token")
        assert {"key": "pin", "path": pin_file.rsplit("/", 1)[1]} in secret["items"]
        assert secret["defaultMode"] & 0o007 == 0  # not world-readable; the pods' fsGroup reads it
        if overlay == "dev":
            assert secret["secretName"] in secrets  # generated in dev; prod has a template
        conf_mount = mounts[settings["SOFTHSM2_CONF"].rsplit("/", 1)[0]]
        assert volumes[conf_mount["name"]]["configMap"]["name"] == softhsm[0]["metadata"]["name"]
        token_mount = mounts[tokendir]
        assert not token_mount.get("readOnly")
        claim = volumes[token_mount["name"]]["persistentVolumeClaim"]["claimName"]
        assert named(objs, "PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteMany"]
        # The PIN never travels in the environment.
        assert not any("PIN" in e["name"] and "value" in e for e in c.get("env", []))
    assert not any("PIN" in k and k != "ZAIRYU_COE_PIN_FILE" for k in settings)
    for svc in ("intake", "signing", "notify", "card-delivery"):
        for comp in ("web", "consumer"):
            spec = pod_spec(named(objs, "Deployment", f"zairyu-{svc}-{comp}"))
            assert not [v for v in spec["volumes"] if "secret" in v and "coe-token" in v["secret"]["secretName"]]
    # The image carries the module the ConfigMap names.
    dockerfile = (K8S.parent / "docker" / "review.Dockerfile").read_text()
    assert "softhsm2" in dockerfile.split("AS runtime", 1)[1]


def test_prod_secrets_all_have_templates():
    """Prod ships no Secret: each one its workloads reference must have a template to create it from."""
    import yaml

    objs = rendered("prod")
    assert not by_kind(objs, "Secret")
    referenced = set()

    def walk(node):
        if isinstance(node, dict):
            for key in ("secretKeyRef", "secretRef"):
                if key in node:
                    referenced.add(node[key]["name"])
            if "secret" in node and isinstance(node["secret"], dict) and "secretName" in node["secret"]:
                referenced.add(node["secret"]["secretName"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(objs)
    for o in objs:
        if o["kind"] == "User":
            referenced.add(o["spec"]["importCredentialsSecret"]["name"])
        if o["kind"] == "Cluster":
            referenced.add(o["spec"]["bootstrap"]["initdb"]["secret"]["name"])
            creds = o["spec"]["backup"]["barmanObjectStore"]["s3Credentials"]
            referenced |= {creds[k]["name"] for k in ("accessKeyId", "secretAccessKey")}
        if o["kind"] == "TriggerAuthentication":
            referenced |= {r["name"] for r in o["spec"]["secretTargetRef"]}
    templates = set()
    for path in (K8S / "secrets").glob("*.template.yaml"):
        templates |= {d["metadata"]["name"] for d in yaml.safe_load_all(path.read_text()) if d}
    assert referenced, "found no secret references at all"
    assert referenced - templates == set(), "Secrets without a template in deploy/k8s/secrets/"


def test_dev_generates_every_secret_it_references():
    objs = rendered("dev")
    secrets = {s["metadata"]["name"] for s in by_kind(objs, "Secret")}
    for dep in by_kind(objs, "Deployment"):
        for c in pod_spec(dep)["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets
            for ef in c.get("envFrom", []):
                if "secretRef" in ef:
                    assert ef["secretRef"]["name"] in secrets


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_script_steps_cover_every_object_once(overlay):
    """deploy.sh applies by the component label: platform first, then migrations, then services."""
    steps = {"platform": [], "migrate": [], "services": []}
    for o in rendered(overlay):
        comp = o["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        step = "migrate" if comp == "migrate" else "services" if comp in ("web", "consumer") else "platform"
        steps[step].append(o)
    assert {o["kind"] for o in steps["migrate"]} == {"Job"}
    assert len(steps["migrate"]) == len(SERVICES)
    assert {o["kind"] for o in steps["services"] if o["kind"] == "Deployment"} == {"Deployment"}
    # the one Deployment there is a data store the fronts need at start: the rate limits' Redis
    assert [o["metadata"]["name"] for o in steps["platform"] if o["kind"] in ("Deployment", "Job")] == ["zairyu-redis"]
    # What the workloads need at start is in the first step.
    assert {"ConfigMap", "Cluster", "RabbitmqCluster", "NetworkPolicy"} <= {o["kind"] for o in steps["platform"]}


def test_deploy_script_passes_shellcheck():
    import subprocess

    from deploy_helpers import tool

    out = subprocess.run([tool("shellcheck"), str(K8S / "deploy.sh")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_prod_logs_are_kept_as_long_as_the_retention_table_says_and_the_fronts_log_no_addresses():
    """Issue 20: RULES["log_line"] (90 days, APPI art. 66) is what the production namespace asks of the log
    platform; the services' own access logs carry neither the peer's address nor the query string."""
    from zairyu_shared.retention import RULES

    keep = RULES["log_line"].keep
    assert keep is not None
    (namespace,) = by_kind(rendered("prod"), "Namespace")
    assert namespace["metadata"]["annotations"]["logging.zairyu.example.jp/retention-days"] == str(keep.days)
    for overlay in OVERLAYS:
        objs = rendered(overlay)
        for svc in SERVICES:
            args = pod_spec(named(objs, "Deployment", f"zairyu-{svc}-web"))["containers"][0]["args"]
            fmt = args[args.index("--access-logformat") + 1]
            assert not {"%(h)s", "%(q)s", "%(r)s", "%(f)s", "%(a)s"} & {fmt[i : i + 5] for i in range(len(fmt))}
            assert "forwarded" not in fmt.lower(), (overlay, svc)
