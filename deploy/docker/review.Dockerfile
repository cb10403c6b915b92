# syntax=docker/dockerfile:1.7
# Image for the review service, built from the monorepo root:
#   docker build -f deploy/docker/review.Dockerfile -t zairyu/review:$(git rev-parse --short HEAD) .
# The base is pinned by version; CI may pin it by digest with --build-arg PYTHON_IMAGE=python@sha256:...
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY constraints.txt ./
COPY shared/ shared/
COPY services/review/ services/review/
# Versions come from the root constraints file, not from this line.
# hadolint ignore=DL3013
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --constraint constraints.txt \
        ./shared ./services/review gunicorn \
 && /opt/venv/bin/python -m compileall -q /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
# SoftHSM2's PKCS#11 module (/usr/lib/softhsm/libsofthsm2.so, ZAIRYU_COE_PKCS11_MODULE in deploy/k8s): the token
# that holds the bureau's e-COE key; a network HSM's vendor module replaces it in production overlays.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends softhsm2 \
 && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid so Kubernetes' runAsNonRoot can verify it without /etc/passwd lookups.
RUN groupadd --system --gid 10001 zairyu \
 && useradd --system --uid 10001 --gid zairyu --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin zairyu
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000 9100
# The web front; the consumer Deployment and the migration Job override the command
# (zairyu-review consume | migrate).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", "review.entrypoints.web:create_app()"]
