"""The service images: hadolint-clean, multi-stage on a pinned slim base, non-root, built from the
monorepo with a context limited to what each image needs."""

from __future__ import annotations

import re
import subprocess

import pytest
from deploy_helpers import DEPLOY, REPO, SERVICES, tool

DOCKERFILES = {s: DEPLOY / "docker" / f"{s}.Dockerfile" for s in SERVICES}
PKG = {
    "intake": "intake",
    "signing": "signing",
    "review": "review",
    "notify": "notify",
    "card-delivery": "card_delivery",
}


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_passes(service):
    out = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILES[service])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_image_shape(service):
    text = DOCKERFILES[service].read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M).group(1)
    # A pinned patch release of the slim variant (or a digest), never a floating tag.
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+|python@sha256:[0-9a-f]{64}", base), base
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", text, re.M)
    assert [s[1] for s in stages] == ["build", "runtime"]
    assert all(s[0] == "${PYTHON_IMAGE}" for s in stages)
    runtime = text.split("AS runtime", 1)[1]
    users = re.findall(r"^USER (\S+)$", runtime, re.M)
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "pip install" not in runtime  # nothing built in the final image
    assert f"{PKG[service]}.entrypoints.web:create_app()" in text
    assert "--constraint constraints.txt" in text


@pytest.mark.parametrize("service", SERVICES)
def test_build_context_has_what_the_dockerfile_copies(service):
    text = DOCKERFILES[service].read_text()
    sources = [m.split()[0] for m in re.findall(r"^COPY (?!--from)(\S+ )", text, re.M)]
    ignore = (DEPLOY / "docker" / f"{service}.Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore  # everything else stays out of the context
    for src in sources:
        assert (REPO / src).exists(), f"COPY {src}: not in the repository"
        assert src.rstrip("/") in allowed, f"COPY {src}: excluded by the .dockerignore"
    # No other service's code in this image.
    assert not any(f"services/{other}" in text for other in SERVICES if other != service)
