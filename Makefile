# BookBots: the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help install system-deps run test test-unit test-integration test-e2e test-sandbox fuzz lint fmt bench bench-journey bench-notifier bench-memory bench-provisioning bench-migrate chaos compose-check compose-up compose-sandbox nats-conf clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-20s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

system-deps: ## Debian's chromium and prometheus for the browser and monitoring tests (root + apt; else says what to install)
	@bash scripts/system-deps.sh

run: $(STAMP) ## bring up infrastructure, the sandbox, all five services and a demo business
	@$(PY) -m devstack

TEST_WORKERS ?= 2
test: $(STAMP) ## the whole suite on TEST_WORKERS pytest-xdist workers (each with private NATS/Redis and its own database)
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test-unit: $(STAMP) ## pure logic with hand-written fakes
	@$(PY) -m pytest -m unit

test-integration: $(STAMP) ## against real NATS, Postgres and Redis
	@$(PY) -m pytest -m integration

test-e2e: $(STAMP) ## the running stack through the sandbox
	@$(PY) -m pytest -m e2e

test-sandbox: $(STAMP) ## the Telegram and YooKassa emulators
	@$(PY) -m pytest tests/sandbox

fuzz: $(STAMP) ## Hypothesis: >= 10,000 generated updates and >= 10,000 callback payloads at the real stack; prints the counts
	@FUZZ_PROFILE=full $(PY) -m pytest tests/fuzz -m fuzz -q

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

fmt: $(STAMP) ## format and auto-fix
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

bench: $(STAMP) ## the product: webhook -> gateway -> booking -> Bot API sink; updates/s, p99, CPU/update, RSS (bench/results/product-*.json)
	@$(PY) -m bench.product $(BENCH_ARGS)

bench-journey: $(STAMP) ## booking conversations end to end through the Telegram emulator, as a user sees them
	@$(PY) -m bench.booking $(BENCH_ARGS)

bench-notifier: $(STAMP) ## notifier: >= 2,000 msg/s over 500 bots through a sink enforcing Telegram's limits, 0 x 429
	@$(PY) -m bench.notifier $(BENCH_ARGS)

MEMORY_ARGS ?= --tenants 10,1000,5000,10000 --keep .run/bench-memory-cluster
bench-memory: $(STAMP) ## RSS of every service after touching 10, 1,000, 5,000 and 10,000 live tenants (tenants kept in .run/ for reruns)
	@$(PY) -m bench.memory $(MEMORY_ARGS)

PROVISIONING_ARGS ?= --bulk 1000 10000
bench-provisioning: $(STAMP) ## payment -> bot live p50 and bulk tenant creation (PROVISIONING_ARGS="--bulk 1000")
	@$(PY) -m bench.provisioning $(PROVISIONING_ARGS)

MIGRATE_ARGS ?= --schemas 10000 --kill-after-batches 5 --cluster .run/bench-migrate-cluster
bench-migrate: $(STAMP) ## a new tenant migration over 10,000 schemas under booking load, killed and rerun (schemas kept in .run/ for reruns)
	@$(PY) -m bench.migrate $(MIGRATE_ARGS)

chaos: $(STAMP) ## 50 faults (kill -9, NATS/Redis/Postgres restarts) under load, then the invariants
	@$(PY) -m bench.chaos --seconds 600 --faults 50

compose-check: $(STAMP) ## check the compose files and nats.conf against the code (no Docker needed)
	@$(PY) -m pytest tests/contract -q

compose-up: ## production stack: docker compose with deploy/.env (every secret required)
	docker compose -f deploy/compose.yml up -d

compose-sandbox: ## the stack with the emulators and made-up secrets (deploy/sandbox.env)
	docker compose --env-file deploy/sandbox.env -f deploy/compose.yml -f deploy/compose.sandbox.yml up

nats-conf: $(STAMP) ## regenerate deploy/nats/nats.conf from shared/subjects.py
	@$(PY) -m shared.nats_permissions --write

clean: ## remove the virtualenv and run folders
	rm -rf $(VENV) .run bench/results
