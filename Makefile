# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check pytest install messages migrate load dump superuser clean schemathesis loadtest

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12+ is needed (found $$($(PYTHON) --version)); set PYTHON=python3.13."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) messages

# Compiled catalogues are build output (not committed); needs GNU gettext's msgfmt.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: apt-get install gettext"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

# createcachetable: the table API rate limits are counted in (migrate makes it too).
migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

load: migrate
	$(BIN)/python manage.py load_dataset
	$(BIN)/python manage.py createinitialrevisions --comment "Initial version" -v 0

# The database written back as a dataset (partnership/data/SCHEMA.md, "Dumping").
dump: migrate
	$(BIN)/python manage.py dump_camo --out var/dump

run: load
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

superuser: migrate
	$(BIN)/python manage.py createsuperuser

# Lint, formatting and migrations are part of the suite: CI fails on any of them.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# The browser tests inject axe-core from npm (package.json); they skip without it, except on CI.
pytest: install
	@if [ ! -d node_modules/axe-core ] && command -v npm >/dev/null; then npm ci --no-audit --no-fund; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: check pytest

clean:
	rm -rf $(VENV) var

# Property-based tests of the API against its live OpenAPI schema (every operation, every check).
schemathesis: install
	.ci/schemathesis

# 60 s, 64 connections on gunicorn in production mode (a temporary SQLite copy of the dataset):
# requests, req/s, p50/p99, non-2xx/3xx and errors; fails on any 5xx or connection error.
loadtest: install
	$(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)
