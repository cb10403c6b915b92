"""Every process running a service's code has the erasure ledger, on a volume of its own (issue 20).

An erasure destroys a person's data key and appends them to the ledger (ZAIRYU_ERASURE_LEDGER); `zairyu-<service>
migrate` destroys again the key of everyone in it, so a database restored from a backup older than the erasure
forgets the person before it serves. A pod without the variable erases with a warning only, and one whose ledger is on
a volume that dies with the pod or is restored with the database undoes nothing: either way a restore would bring
the person back. So: each workload running a service image has the variable and a mount of that service's
`zairyu-<service>-erasure-ledger` claim (ReadWriteMany, shared by its pods; in prod on the write-once class), the pods
that erase mount it writable, and each service's migration Job (the step that re-applies it) has it.
"""

from __future__ import annotations

import pytest
from deploy_helpers import OVERLAYS, SERVICES, by_kind, named, rendered

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# Workloads on a service's image that run none of its code (no database, no erasure), with the command they run.
NOT_SERVICE_CODE = {"zairyu-signing-crl-sync": ["python", "/opt/crl-sync/crl_sync.py"]}
WRITE_ONCE_CLASS = "zairyu-worm"  # overlays/prod/patches/erasure-ledger.yaml


def pod_spec(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def service_of(image: str) -> str | None:
    """intake for zairyu/intake:dev or registry.zairyu.example.jp/zairyu/intake:0.1.0; None for other images."""
    name = image.rsplit("@", 1)[0]
    last = name.rsplit("/", 1)[-1].split(":", 1)[0]
    parent = name.rsplit("/", 2)[-2] if name.count("/") else ""
    return last if parent == "zairyu" and last in SERVICES else None


def ledger_setting(objs: list[dict], container: dict) -> str | None:
    """The value the container's process sees: its env, else a ConfigMap it takes whole (envFrom)."""
    for e in container.get("env", []):
        if e["name"] == "ZAIRYU_ERASURE_LEDGER":
            return e.get("value")
    maps = {c["metadata"]["name"]: c.get("data", {}) for c in by_kind(objs, "ConfigMap")}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref and "ZAIRYU_ERASURE_LEDGER" in maps.get(ref["name"], {}):
            return maps[ref["name"]]["ZAIRYU_ERASURE_LEDGER"]
    return None


def service_containers(objs: list[dict]):
    for obj in objs:
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        spec = pod_spec(obj)
        for container in spec.get("initContainers", []) + spec["containers"]:
            svc = service_of(container["image"])
            if svc:
                yield obj, spec, container, svc


def ledger_problems(objs: list[dict]) -> tuple[list[str], dict[str, set[str]]]:
    """What is wrong with the ledger of each workload running a service's code, and per service the components
    (web, consumer, migrate, ...) found right."""
    from zairyu_shared.subject_keys import TombstoneLedger

    claims = {c["metadata"]["name"]: c for c in by_kind(objs, "PersistentVolumeClaim")}
    problems: list[str] = []
    good: dict[str, set[str]] = {svc: set() for svc in SERVICES}
    for obj, spec, container, svc in service_containers(objs):
        name = obj["metadata"]["name"]
        where = f"{obj['kind']}/{name} ({container['name']})"
        if name in NOT_SERVICE_CODE:
            if container["command"] != NOT_SERVICE_CODE[name]:
                problems.append(f"{where} runs something else now: {container.get('command')}")
            continue
        path = ledger_setting(objs, container)
        if not path:
            problems.append(f"{where} runs zairyu-{svc} without ZAIRYU_ERASURE_LEDGER")
            continue
        if not TombstoneLedger(path).directory:
            problems.append(f"{where}: {path} is read as one file; several pods append: a directory, ending in /")
        folder = path.rstrip("/")
        mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"].rstrip("/") == folder]
        if not mounts:
            problems.append(f"{where}: nothing mounted at {folder} (the read-only root file system refuses it)")
            continue
        volume = {v["name"]: v for v in spec.get("volumes", [])}[mounts[0]["name"]]
        claim = volume.get("persistentVolumeClaim", {}).get("claimName")
        if claim != f"zairyu-{svc}-erasure-ledger" or claim not in claims:
            problems.append(f"{where}: the ledger is on {volume}, not the claim zairyu-{svc}-erasure-ledger")
            continue
        if claims[claim]["spec"]["accessModes"] != ["ReadWriteMany"]:
            problems.append(f"{claim}: pods on several nodes append to it, it must be ReadWriteMany")
        component = obj["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")
        # The web fronts (account closure) and everything else running the CLI (erase-subject, purge) append; only
        # the migration just reads it.
        if component != "migrate" and mounts[0].get("readOnly"):
            problems.append(f"{where}: the ledger is mounted read-only, an erasure there would fail")
            continue
        good[svc].add(component)
    return problems, good


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_running_service_code_appends_to_its_services_ledger(overlay):
    problems, good = ledger_problems(rendered(overlay))
    assert problems == []
    for svc in SERVICES:
        assert good[svc] >= {"web", "consumer", "migrate"}, f"{overlay}: {svc} has the ledger only in {good[svc]}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_services_migration_job_reapplies_the_ledger(overlay):
    """The restore procedure's step 3: `zairyu-<service> migrate` re-applies the ledger before anything serves."""
    objs = rendered(overlay)
    for svc in SERVICES:
        job = named(objs, "Job", f"zairyu-{svc}-migrate")
        (container,) = pod_spec(job)["containers"]
        assert container["args"] == ["migrate"]
        path = ledger_setting(objs, container)
        assert path == "/var/lib/zairyu/erasure-ledger/", svc
        volumes = {v["name"]: v for v in pod_spec(job)["volumes"]}
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path.rstrip("/")]
        assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == f"zairyu-{svc}-erasure-ledger"


def test_prod_keeps_the_ledgers_on_write_once_storage_apart_from_the_databases():
    objs = rendered("prod")
    for svc in SERVICES:
        claim = named(objs, "PersistentVolumeClaim", f"zairyu-{svc}-erasure-ledger")
        assert claim["spec"]["storageClassName"] == WRITE_ONCE_CLASS, svc
        # Not the database's storage, so a database restore (a new Cluster from the backups) never replaces it.
        cluster = named(objs, "Cluster", f"zairyu-{svc}-db")
        assert cluster["spec"]["storage"].get("storageClass") != WRITE_ONCE_CLASS
    # The other claims keep their classes: only the ledgers are write-once.
    others = [
        c for c in by_kind(objs, "PersistentVolumeClaim") if not c["metadata"]["name"].endswith("-erasure-ledger")
    ]
    assert others and all(c["spec"].get("storageClassName") != WRITE_ONCE_CLASS for c in others)


def test_a_workload_on_a_service_image_without_the_ledger_fails_the_check():
    """The check itself: a purge CronJob added without the variable, or with the ledger on an emptyDir, is caught."""
    import copy

    objs = rendered("dev")
    web = named(objs, "Deployment", "zairyu-notify-web")
    spec = copy.deepcopy(web["spec"]["template"]["spec"])
    spec["containers"][0].update(command=["zairyu-notify"], args=["purge"])
    cron = {
        "kind": "CronJob",
        "metadata": {"name": "zairyu-notify-purge", "labels": {"app.kubernetes.io/component": "purge"}},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
    }
    assert ledger_problems(objs + [cron])[0] == []  # as generated, it would pass
    env = spec["containers"][0]["env"]
    spec["containers"][0]["env"] = [e for e in env if e["name"] != "ZAIRYU_ERASURE_LEDGER"]
    (problem,) = ledger_problems(objs + [cron])[0]
    assert "zairyu-notify-purge" in problem and "without ZAIRYU_ERASURE_LEDGER" in problem
    spec["containers"][0]["env"] = env
    (ledger,) = [v for v in spec["volumes"] if v["name"] == "erasure-ledger"]
    ledger.pop("persistentVolumeClaim")
    ledger["emptyDir"] = {}
    (problem,) = ledger_problems(objs + [cron])[0]
    assert "zairyu-notify-purge" in problem and "emptyDir" in problem
    assert service_of("registry.zairyu.example.jp/zairyu/card-delivery:0.1.0") == "card-delivery"
    assert service_of("zairyu/intake:dev") == "intake"
    assert service_of("ghcr.io/cloudnative-pg/postgresql:16.4") is None
    assert service_of("redis:7") is None
