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

.PHONY: help venv run test test-unit test-integration test-e2e lint format bench token sla digest weekly import package deploy lint-cfn clean fuzz open311-key cost calendar-table
.PHONY: console chromium

help:
	@echo "make run      start the whole system locally (emulated AWS, API on 127.0.0.1:8000, stream worker, scheduler, outbox)"
	@echo "make test     run every test (unit, integration, e2e)"
	@echo "make token ROLE=citizen|officer|ioc|tech [UNIT=03127] [SUB=id]   print a development token"
	@echo "make sla AT=2025-04-28T09:00:00+07:00    run the deadline sweep once against the running stack"
	@echo "make open311-key NAME=<client>   issue an Open311 api_key on the running stack (printed on the last line)"
	@echo "make fuzz [FUZZ_REQUESTS=2000] [API=http://127.0.0.1:8000]   schemathesis over the OpenAPI, every role"
	@echo "make lint | bench | cost | package STAGE=dev|prod"

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found (install it, e.g. pyenv install 3.13)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# The web console (web/, issue 13): `npm ci` when the lock file changes, a build when a source changes.
WEB_DEPS := web/node_modules/.installed
CONSOLE := web/dist/index.html
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE): $(WEB_DEPS) $(WEB_SRC)
	cd web && npm run -s build

console: $(CONSOLE)

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot be fetched here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -q
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q chromium

chromium: $(CHROMIUM)

run: $(STAMP) $(CONSOLE)
	$(PY) -m infra.local.devstack

test: $(STAMP) $(CONSOLE) $(CHROMIUM)
	$(PY) -m pytest -n 2 --dist loadfile

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration

test-e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

lint: $(STAMP) $(WEB_DEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	cd web && npx --no-install tsc --noEmit
	@$(MAKE) --no-print-directory lint-cfn

# cfn-lint lives in its own environment: aws-sam-translator pins pydantic, which would downgrade the app's.
LINT_VENV := .venv-lint
LINT_STAMP := $(LINT_VENV)/.installed
CFN_DIR := dist/cfn-lint

$(LINT_STAMP): requirements-lint.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found (install it, e.g. pyenv install 3.13)"; exit 1; }
	test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-lint.txt
	touch $(LINT_STAMP)

# The deployable template of both stages (without building the zip), linted as written and SAM-expanded.
lint-cfn: $(STAMP) $(LINT_STAMP)
	@for s in dev prod; do $(PY) -m infra.template template --stage $$s --out $(CFN_DIR)/sam-$$s.json || exit 1; done
	$(LINT_VENV)/bin/python -m infra.cfn_lint $(CFN_DIR)/sam-dev.json $(CFN_DIR)/sam-prod.json --expanded-dir $(CFN_DIR)

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP) $(CONSOLE) $(CHROMIUM)
	$(PY) -m bench

# schemathesis against the local stack's served OpenAPI, every role, about FUZZ_REQUESTS requests; prints the
# number of requests and of 5xx and fails on any. Starts its own stack unless API=... names a running one.
FUZZ_REQUESTS ?= 2000
fuzz: $(STAMP)
	$(PY) -m tools.fuzz --requests $(FUZZ_REQUESTS) $(if $(filter command line environment,$(origin API)),--api "$(API)")

# docs/cost.md from counted requests (the real handlers on moto) and bench/data/prices-ap-southeast-1.json.
cost: $(STAMP)
	$(PY) -m bench.cost --out docs/cost.md

# After upgrading `holidays`: the table the working-day calendar reads (tests fail until it matches the package).
calendar-table: $(STAMP)
	$(PY) -m tools.holiday_table

token: $(STAMP)
	@$(PY) -m infra.local.tokens --role "$(ROLE)" $(if $(UNIT),--unit "$(UNIT)") $(if $(SUB),--sub "$(SUB)") $(if $(LOCAL_STATE_DIR),--state-dir "$(LOCAL_STATE_DIR)")

# An Open311 api_key for a client application, issued by the running local stack (prints it on its last line).
open311-key: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make open311-key NAME=<client application> [RATE=<POST per hour>]"; exit 2; }
	@$(PY) -m infra.local.open311_key --name "$(NAME)" $(if $(RATE),--rate "$(RATE)") $(if $(filter command line environment,$(origin API)),--api "$(API)")

sla: $(STAMP)
	@test -n "$(AT)" || { echo "usage: make sla AT=2025-04-28T09:00:00+07:00"; exit 2; }
	@$(PY) -m infra.local.trigger --api "$(API)" deadline_sweep --at "$(AT)"

digest: $(STAMP)
	@$(PY) -m infra.local.trigger --api "$(API)" daily_digest $(if $(AT),--at "$(AT)")

weekly: $(STAMP)
	@$(PY) -m infra.local.trigger --api "$(API)" weekly_report $(if $(AT),--at "$(AT)")

# Import historical reports (JSON Lines, docs/statistics.md) into the running local stack.
import: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import FILE=reports.jsonl [SOURCE=name]"; exit 2; }
	@$(PY) -m tools.import_reports "$(FILE)" --local $(if $(SOURCE),--source "$(SOURCE)")

# dist/STAGE/sam.json (Chalice's template merged with infra/template.py) and deployment.zip; prints its size.
package: $(STAMP) $(CONSOLE)
	@case "$(STAGE)" in dev|prod) ;; *) echo "STAGE must be dev or prod"; exit 2;; esac
	rm -rf dist/$(STAGE)
	$(PY) -m infra.template package --stage $(STAGE) --out dist/$(STAGE)
	cp -r web/dist dist/$(STAGE)/console  # upload to the console bucket (docs/deploy.md)

# Deploying needs an AWS account, so this only prints the commands (docs/deploy.md explains each value).
ARTIFACT_BUCKET ?= <an S3 bucket of yours for deployment artifacts>
STACK ?= fieldreport-$(STAGE)
deploy:
	@echo "# 1. build: make package STAGE=$(STAGE)"
	@echo "# 2. upload the code and write a template that points at it:"
	@echo "aws cloudformation package --template-file dist/$(STAGE)/sam.json \\"
	@echo "    --s3-bucket '$(ARTIFACT_BUCKET)' --s3-prefix $(STACK) \\"
	@echo "    --use-json --output-template-file dist/$(STAGE)/packaged.json"
	@echo "# 3. create or update the stack:"
	@echo "aws cloudformation deploy --template-file dist/$(STAGE)/packaged.json --stack-name $(STACK) \\"
	@echo "    --s3-bucket '$(ARTIFACT_BUCKET)' --s3-prefix $(STACK) \\"
	@echo "    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \\"
	@echo "    --parameter-overrides SenderEmail=phananh@example.gov.vn AppBaseUrl=https://phananh.example.gov.vn \\"
	@echo "        AllowedOrigins=https://phananh.example.gov.vn AlarmEmail=ops@example.gov.vn"
	@echo "# 4. read the outputs (API URL, user pool and client ids):"
	@echo "aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs'"

clean:
	rm -rf $(VENV) .venv-lint var dist .pytest_cache .ruff_cache .mypy_cache
