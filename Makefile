# Zairyu: the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PKGS := shared services/intake services/signing services/review services/notify services/card-delivery
PYPROJECTS := $(foreach p,$(PKGS),$(p)/pyproject.toml)

.PHONY: run test lint bench docs system-deps venv constraints clean

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (found $$($(PY) --version))"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements-dev.txt $(foreach p,$(PKGS),-e $(p))
	touch $@

venv: $(STAMP)

## make run: set up and start the whole system (embedded: SQLite + in-process bus, demo data).
## With AMQP_URL and DATABASE_URL set, each service runs as its own processes on RabbitMQ + PostgreSQL.
run: venv
	$(BIN)/zairyu-run

BROWSER_DEPS := tests/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund

## make test: system packages (Debian/Ubuntu as root), the venv, axe-core for the browser test, make lint, then the suite.
test: system-deps venv $(BROWSER_DEPS)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

system-deps:
	@bash ./scripts/system-deps.sh

## make lint: ruff (lint and format), mypy (strict on shared/ and every domain/), shellcheck, hadolint.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	shellcheck scripts/*.sh deploy/k8s/*.sh .ci/run
	$(BIN)/hadolint deploy/docker/*.Dockerfile

## make bench: the figures, one `name: value unit` line each. bench/bench_ratios.py runs bench_e2e.py and
## bench_shape.py back to back (their ratios need the same run), so those two are not run again on their own.
bench: venv
	@for b in shared/bench/bench_*.py services/*/bench/bench_*.py services/*/*/bench/bench_*.py bench/bench_*.py; do \
	  [ -f "$$b" ] || continue; case "$$b" in bench/bench_e2e.py|bench/bench_shape.py) continue;; esac; \
	  echo "# $$b"; $(BIN)/python "$$b" || exit 1; done

## make chaos: 2,000 signed applications while RabbitMQ restarts twice and every consumer is SIGKILLed once;
## CHAOS_SIZE=N for another size; CHAOS_ARGS=--restart-postgres also restarts PostgreSQL mid-burst
## (pg_ctlcluster 15 main restart: never on a machine where others are running tests).
.PHONY: chaos
chaos: venv
	$(BIN)/python tests/chaos/chaos.py $(or $(CHAOS_SIZE),2000) $(CHAOS_ARGS)

## make chaos-cluster: the same workload on a 3-node RabbitMQ cluster started here from the installed
## rabbitmq-server (own node names, ports, folders; the machine's broker is left alone), killing the node that
## leads the busiest queues, restarting it, then killing another.
.PHONY: chaos-cluster
chaos-cluster: venv
	$(BIN)/python tests/chaos/chaos.py $(or $(CHAOS_SIZE),2000) --rabbit-cluster $(CHAOS_ARGS)

## make chaos-failover: the workload with intake on a PostgreSQL primary + streaming standby started here
## (initdb/pg_basebackup, own ports); the primary SIGKILLed mid-burst, the standby promoted; asynchronous then
## synchronous replication, side by side.
.PHONY: chaos-failover
chaos-failover: venv
	$(BIN)/python tests/chaos/failover.py $(or $(CHAOS_SIZE),2000) $(CHAOS_ARGS)

## make restore-drill: back up every service's database (pg_dump), keep submitting, restore review to the backup,
## bring it back consistent (receipt numbers reserved, events republished) and check nothing was issued or mailed twice.
.PHONY: restore-drill
restore-drill: venv
	$(BIN)/python tests/chaos/restore_drill.py $(or $(DRILL_BEFORE),40) $(or $(DRILL_AFTER),40) $(DRILL_ARGS)

## make alerts: Debian's prometheus with the project's alert rules against the real-mode processes; each fault
## (consumer killed, broker gone, dead letter, outbox backing up, stale CRL) must fire its alert and resolve.
.PHONY: alerts
alerts: venv
	$(BIN)/python tests/chaos/alerts.py

docs: venv
	$(BIN)/python -m zairyu_shared.events.docs > docs/events.md

## refresh the pins after changing dependencies (then commit constraints.txt)
constraints: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) var
