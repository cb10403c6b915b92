#!/usr/bin/env bash
# Deploy an overlay in the order the platform needs:
#   1. namespace, config, secrets (dev), databases, broker, topology, policies, monitoring
#   2. wait for PostgreSQL, RabbitMQ and Redis
#   3. the migration Jobs (Alembic upgrade head), and wait for all of them to complete
#   4. the web and consumer Deployments (and their Services, autoscalers, budgets, monitors)
# Argo CD users get the same order from the Jobs' PreSync hook annotation instead.
#
# Usage: deploy/k8s/deploy.sh dev|prod [extra kubectl flags, e.g. --context prod-tokyo]
set -euo pipefail

overlay=${1:?usage: deploy.sh dev|prod [kubectl flags]}
shift
here=$(cd "$(dirname "$0")" && pwd)
case "$overlay" in
  dev) ns=zairyu-dev ;;
  prod) ns=zairyu ;;
  *) echo "unknown overlay: $overlay" >&2; exit 2 ;;
esac
kubectl=("${KUBECTL:-kubectl}" "$@")
timeout=${ZAIRYU_DEPLOY_TIMEOUT:-15m}

rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
"${kubectl[@]}" kustomize "$here/overlays/$overlay" > "$rendered"

echo "== 1/4 platform, data stores, configuration"
"${kubectl[@]}" apply -f "$rendered" -l 'app.kubernetes.io/component notin (web,consumer,migrate)'

echo "== 2/4 waiting for PostgreSQL, RabbitMQ and Redis"
"${kubectl[@]}" -n "$ns" wait --for=condition=Ready clusters.postgresql.cnpg.io --all --timeout="$timeout"
"${kubectl[@]}" -n "$ns" wait --for=condition=AllReplicasReady rabbitmqclusters.rabbitmq.com/zairyu-rabbitmq \
  --timeout="$timeout"
"${kubectl[@]}" -n "$ns" rollout status deploy/zairyu-redis --timeout="$timeout"

echo "== 3/4 migrations"
# Jobs are immutable: the previous release's Jobs go first.
"${kubectl[@]}" -n "$ns" delete job -l app.kubernetes.io/component=migrate --ignore-not-found --wait=true
"${kubectl[@]}" apply -f "$rendered" -l app.kubernetes.io/component=migrate
if ! "${kubectl[@]}" -n "$ns" wait --for=condition=Complete job -l app.kubernetes.io/component=migrate \
     --timeout="$timeout"; then
  echo "a migration did not complete; the running version is untouched. Logs:" >&2
  "${kubectl[@]}" -n "$ns" logs -l app.kubernetes.io/component=migrate --tail=50 --prefix >&2 || true
  exit 1
fi

echo "== 4/4 services"
"${kubectl[@]}" apply -f "$rendered" -l 'app.kubernetes.io/component in (web,consumer)'
for dep in $("${kubectl[@]}" -n "$ns" get deploy -l 'app.kubernetes.io/component in (web,consumer)' -o name); do
  "${kubectl[@]}" -n "$ns" rollout status "$dep" --timeout="$timeout"
done
echo "deployed $overlay"
