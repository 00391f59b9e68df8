# The two commands a newcomer needs: `make run` (the whole system locally) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 is the Lambda runtime we target; find it even when pyenv's shim does not expose it.
PYTHON ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= dev
ROLE ?= citizen
API ?= http://127.0.0.1:8000

.PHONY: help venv run test test-unit test-integration test-e2e lint format bench token sla digest weekly package deploy clean

help:
	@echo "make run      start the whole system locally (emulated AWS, API on 127.0.0.1:8000, stream worker, scheduler, outbox)"
	@echo "make test     run every test (unit, integration, e2e)"
	@echo "make token ROLE=citizen|officer|ioc|tech [UNIT=03127] [SUB=id]   print a development token"
	@echo "make sla AT=2025-04-28T09:00:00+07:00    run the deadline sweep once against the running stack"
	@echo "make lint | bench | package STAGE=dev|prod"

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found (install it, e.g. pyenv install 3.13)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local.devstack

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration

test-e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m bench

token: $(STAMP)
	@$(PY) -m infra.local.tokens --role "$(ROLE)" $(if $(UNIT),--unit "$(UNIT)") $(if $(SUB),--sub "$(SUB)")

sla: $(STAMP)
	@test -n "$(AT)" || { echo "usage: make sla AT=2025-04-28T09:00:00+07:00"; exit 2; }
	@$(PY) -m infra.local.trigger --api "$(API)" deadline_sweep --at "$(AT)"

digest: $(STAMP)
	@$(PY) -m infra.local.trigger --api "$(API)" daily_digest $(if $(AT),--at "$(AT)")

weekly: $(STAMP)
	@$(PY) -m infra.local.trigger --api "$(API)" weekly_report $(if $(AT),--at "$(AT)")

clean:
	rm -rf $(VENV) .venv-lint var dist .pytest_cache .ruff_cache .mypy_cache
