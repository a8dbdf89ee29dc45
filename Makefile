# The supervision ledger. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install run test unit soak lint typecheck fmt bench kafka-start kafka-stop kafka-status clean browser java

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the ledger with its test tools

run: $(STAMP) ## Serve the ledger on its embedded PostgreSQL with demo data
	$(VENV)/bin/ledger serve --demo --host $(HOST) --port $(PORT)

test: $(STAMP) browser java lint typecheck ## Lint, type-check and run every test (starts PostgreSQL and Kafka itself)
	$(PY) -m pytest -n 3 --maxschedchunk=1 --durations=30

unit: $(STAMP) ## Only the tests that need no server
	$(PY) -m pytest tests/unit -q

soak: $(STAMP) ## The reliability suite with many more generated requests (long)
	LEDGER_FUZZ_EXAMPLES=100 $(PY) -m pytest tests/reliability -q

lint: $(STAMP) ## ruff
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP) ## mypy --strict
	$(PY) -m mypy

fmt: $(STAMP) ## Format and fix what ruff can
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP) java ## Run the benchmarks (figures as ratios against their baselines)
	$(PY) -m infra.bench $(ARGS)

CHROMIUM := /usr/bin/chromium

# The Kafka broker runs on the machine's Java 17; Maven fetches its jars from Maven Central once.
java: ## Install Debian's Java 17 and Maven for the Kafka broker (apt-get, only when missing)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then echo "java: $$(command -v java), $$(command -v mvn) are installed"; else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless maven; fi

browser: ## Install Debian's Chromium for the browser tests (apt-get, only when missing)
	@if [ -x $(CHROMIUM) ]; then echo "browser: $(CHROMIUM) is installed"; else \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; fi

KAFKA_DIR ?= .ledger/kafka

kafka-start: $(STAMP) java ## Start the project's Kafka broker (jars from Maven Central, cached); prints its address
	$(PY) -m infra.kafka_broker start --data-dir $(KAFKA_DIR)

kafka-stop: $(STAMP) ## Stop the project's Kafka broker
	$(PY) -m infra.kafka_broker stop --data-dir $(KAFKA_DIR)

kafka-status: $(STAMP) ## Is the project's Kafka broker running?
	$(PY) -m infra.kafka_broker status --data-dir $(KAFKA_DIR)

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) .ledger .mypy_cache .ruff_cache .pytest_cache
