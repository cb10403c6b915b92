"""Every rendered object validates: built-in kinds against the Kubernetes schemas (kubernetes-validate,
strict: unknown fields are errors), operators' custom resources against the CRD schemas vendored in
deploy/k8s/crds/ (jsonschema; unknown fields are errors too, like the API server's strict field
validation)."""

from __future__ import annotations

import copy

import pytest
import yaml
from deploy_helpers import K8S, OVERLAYS, py_module, rendered

KUBERNETES_VERSION = "1.32.0"  # the oldest minor we support; kubectl here is 1.32 too
BUILTIN_GROUPS = {"", "apps", "batch", "autoscaling", "policy", "networking.k8s.io"}
CRDS = K8S / "crds"


def group_of(obj: dict) -> str:
    api = obj["apiVersion"]
    return api.split("/")[0] if "/" in api else ""


def strict(schema: dict) -> dict:
    """The schema with additionalProperties: false wherever properties are listed and unknown fields
    are not explicitly preserved, the Kubernetes-only keywords removed, RE2 patterns made Python's."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            for key in [
                k for k in node if k.startswith("x-kubernetes-") and k != "x-kubernetes-preserve-unknown-fields"
            ]:
                del node[key]
            preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
            pattern = node.get("pattern")
            if isinstance(pattern, str) and pattern.startswith("^(?i)"):
                # Go's RE2 takes inline flags anywhere; Python only at the start.
                node["pattern"] = "(?i)^" + pattern[len("^(?i)") :]
            if "properties" in node and "additionalProperties" not in node and not preserve:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crd_schemas() -> dict[tuple[str, str, str], dict]:
    out = {}
    for path in sorted(CRDS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        out[(doc["group"], doc["version"], doc["kind"])] = strict(doc["openAPIV3Schema"])
    return out


def validate_custom(obj: dict, schemas: dict) -> list[str]:
    jsonschema = py_module("jsonschema")
    group, version = obj["apiVersion"].split("/")
    key = (group, version, obj["kind"])
    assert key in schemas, f"no vendored schema for {key}: add it to deploy/k8s/crds/"
    validator = jsonschema.Draft7Validator(schemas[key])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def validate_builtin(obj: dict) -> list[str]:
    kv = py_module("kubernetes_validate")
    try:
        kv.validate(obj, KUBERNETES_VERSION, strict=True)
    except kv.ValidationError as exc:
        return [f"{'/'.join(map(str, exc.path))}: {exc.message}"]
    return []


def describe(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@pytest.fixture(scope="module")
def crd_schemas():
    return load_crd_schemas()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_objects_validate_strictly(overlay):
    problems = {
        describe(o): errs
        for o in rendered(overlay)
        if group_of(o) in BUILTIN_GROUPS
        for errs in [validate_builtin(o)]
        if errs
    }
    assert problems == {}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_validate_against_vendored_crds(overlay, crd_schemas):
    customs = [o for o in rendered(overlay) if group_of(o) not in BUILTIN_GROUPS]
    kinds = {o["kind"] for o in customs}
    assert {
        "RabbitmqCluster",
        "Policy",
        "User",
        "Permission",
        "Cluster",
        "ScaledObject",
        "TriggerAuthentication",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
    } <= kinds
    if overlay == "prod":
        assert "ScheduledBackup" in kinds
    problems = {describe(o): errs for o in customs for errs in [validate_custom(o, crd_schemas)] if errs}
    assert problems == {}


def test_every_object_kind_is_checked(crd_schemas):
    """Nothing slips between the two validators."""
    for overlay in OVERLAYS:
        for o in rendered(overlay):
            if group_of(o) not in BUILTIN_GROUPS:
                group, version = o["apiVersion"].split("/")
                assert (group, version, o["kind"]) in crd_schemas, describe(o)


def test_secret_templates_are_valid_secrets():
    for path in (K8S / "secrets").glob("*.template.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                assert validate_builtin(doc) == [], f"{path.name}: {doc['metadata']['name']}"


def test_validation_is_strict_about_unknown_and_wrong_fields(crd_schemas):
    """The checks above would catch a typo: a misspelt field fails, as does a wrong type or enum."""
    objs = rendered("prod")
    so = copy.deepcopy(next(o for o in objs if o["kind"] == "ScaledObject"))
    so["spec"]["minReplicas"] = so["spec"].pop("minReplicaCount")
    assert any("minReplicas" in e for e in validate_custom(so, crd_schemas))
    cluster = copy.deepcopy(next(o for o in objs if o["kind"] == "Cluster"))
    cluster["spec"]["backup"]["retentionPolicy"] = "30 days"
    assert validate_custom(cluster, crd_schemas)
    policy = copy.deepcopy(next(o for o in objs if o["kind"] == "Policy"))
    policy["spec"]["applyTo"] = "streams"
    assert validate_custom(policy, crd_schemas)
    dep = copy.deepcopy(next(o for o in objs if o["kind"] == "Deployment"))
    dep["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    assert validate_builtin(dep)


def test_vendored_schemas_say_where_they_come_from():
    readme = (CRDS / "README.md").read_text()
    for path in CRDS.glob("*.yaml"):
        text = path.read_text()
        doc = yaml.safe_load(text)
        assert "Source:" in text and "commit" in text, path.name
        assert isinstance(doc["complete"], bool), path.name
        assert path.name in readme, f"{path.name} missing from crds/README.md"
        py_module("jsonschema").Draft7Validator.check_schema(strict(doc["openAPIV3Schema"]))
