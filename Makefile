# Alliance Hub — every set-up step runs from here (see README).
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The first interpreter found that is Python 3.12 or newer (pyenv's `python` honours
# .python-version).
PYTHON ?= $(shell for p in python python3.13 python3.12 python3 python3.14; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
	2>/dev/null && { command -v $$p; break; }; done)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "error: Alliance Hub needs Python 3.12 or newer; none was found on PATH." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

.PHONY: install
install: $(STAMP) ## Create .venv and install the pinned dependencies

var:
	@mkdir -p var

# Each locale's compiled catalogue, from its django.po (msgfmt from GNU gettext; Django's
# compilemessages would also walk .venv and node_modules).
.PHONY: messages
messages: ## Compile the translation catalogues (locale/*/LC_MESSAGES/django.mo)
	@if command -v msgfmt >/dev/null; then \
		for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done; \
	else \
		echo "note: msgfmt (GNU gettext) not found; using the compiled catalogues as committed"; \
	fi

# Refresh every locale's django.po from the sources (then translate what is new).
.PHONY: makemessages
makemessages: install ## Extract the messages into locale/*/LC_MESSAGES/django.po
	$(MANAGE) makemessages --all --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*'

.PHONY: migrate
migrate: install var messages ## Apply database migrations (and compile the catalogues)
	$(MANAGE) migrate --no-input

.PHONY: demo
demo: migrate ## Load the demo alliance (idempotent)
	$(MANAGE) seed_demo

.PHONY: run
run: demo ## Set up everything and serve the demo alliance on http://127.0.0.1:8000
	$(MANAGE) runserver $(HOST):$(PORT)

# Coverage with its gate (pyproject.toml); PYTEST_ARGS=<paths> runs a subset without it.
PYTEST_ARGS ?= --cov --cov-report=term

.PHONY: test
test: install var ## Run the whole test suite with coverage and its gate
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# A scratch database: the notifications benchmark migrates and empties it (created if missing).
BENCH_NOTIFICATIONS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_notifications
# The pages benchmark seeds its alliance there (emptied when its sizes differ; created if missing).
BENCH_PAGES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench_pages

.PHONY: bench-matching
bench-matching: install var ## Benchmark partner matching on synthetic alliances (JSON lines)
	$(MANAGE) bench_matching $(BENCH_ARGS)

.PHONY: bench-notifications
bench-notifications: install var ## Benchmark notification delivery with a real worker, Redis and SMTP (JSON lines)
	DATABASE_URL=$(BENCH_NOTIFICATIONS_DATABASE_URL) $(MANAGE) bench_notifications $(BENCH_ARGS)

.PHONY: bench-pages
bench-pages: install var ## Benchmark the main pages at alliance scale under gunicorn with wrk (JSON lines; BENCH_ARGS=--quick)
	@command -v wrk >/dev/null || { echo "installing Debian's wrk"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	DATABASE_URL=$(BENCH_PAGES_DATABASE_URL) $(MANAGE) bench_pages $(BENCH_ARGS)

.PHONY: lint
lint: install ## ruff (lint and format), djade on the templates, the import layers, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	find templates core members projects notifications alliance -name '*.html' -print0 | xargs -0 $(BIN)/djade --check

.PHONY: format
format: install ## Apply ruff and djade formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	find templates core members projects notifications alliance -name '*.html' -print0 | xargs -0 $(BIN)/djade

.PHONY: check-migrations
check-migrations: install ## Fail when a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

.PHONY: check-deploy
check-deploy: install ## Django's deployment checklist under production settings
	DJANGO_ENV=production DEBUG=false ALLOWED_HOSTS=hub.alliance.example \
	EMAIL_URL=smtp+tls://mail.alliance.example:587 \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(MANAGE) check --deploy --fail-level WARNING

.PHONY: vendor
vendor: ## Refresh static/vendor from the pinned npm packages (needs npm)
	npm ci --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
	cp node_modules/htmx.org/LICENSE static/vendor/htmx/LICENSE
	@# axe-core checks accessibility in the browser tests; it stays out of static/ so no
	@# page can load it.
	cp node_modules/axe-core/axe.min.js alliance/tests/vendor/axe-core/axe.min.js
	cp node_modules/axe-core/LICENSE alliance/tests/vendor/axe-core/LICENSE

.PHONY: vendor-check
vendor-check: ## Fail when static/vendor differs from the pinned npm packages
	npm ci --no-audit --no-fund --silent
	cmp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
	cmp node_modules/axe-core/axe.min.js alliance/tests/vendor/axe-core/axe.min.js

.PHONY: lock
lock: ## Re-pin requirements*.txt from pyproject.toml in a scratch virtualenv
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --upgrade pip
	var/lock-venv/bin/pip install --quiet .
	var/lock-venv/bin/pip freeze --exclude alliance-hub > requirements.txt
	var/lock-venv/bin/pip install --quiet '.[dev]'
	var/lock-venv/bin/pip freeze --exclude alliance-hub > requirements-dev.txt
	rm -rf var/lock-venv build *.egg-info

.PHONY: worker
worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A alliance worker --loglevel=INFO

.PHONY: clean
clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var staticfiles node_modules
