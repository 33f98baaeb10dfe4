# Tandem: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast lint typecheck bench load load-api sweep migrate demo messages screenshots clean

$(STAMP): pyproject.toml
	@echo "==> Installing Tandem and its dependencies into $(VENV) (first run only; needs the network)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	@echo "==> Migrating the database"
	$(PY) manage.py migrate --noinput

demo: migrate
	@echo "==> Loading the demo agency (about a minute the first time; skipped once loaded)"
	$(PY) manage.py seed_demo

messages: install
	$(PY) manage.py compilemessages --ignore=.venv

run: demo
	@echo ""
	@echo "Tandem: http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/, admin: /admin/)"
	$(PY) manage.py demo_logins
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	./scripts/ensure-chromium.sh
	./scripts/run-tests.sh

lint: install
	$(VENV)/bin/ruff check tandem config bench
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

typecheck: install
	$(VENV)/bin/mypy tandem config bench

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.import_bench

# Every argument-free page and API list, for each kind of user, on the data of `make bench`.
sweep: install
	$(PY) -m bench.sweep

# 20 users for 60 s against a server on 127.0.0.1 (stops by itself); needs the data of `make bench`.
load: install
	$(PY) -m bench.load

# 20 concurrent API users (token auth) over clients, a client, its contacts, invoices, a project's
# time entries, tasks and interactions; LOAD_SECONDS (60), LOAD_USERS, LOAD_WORKERS, LOAD_THREADS.
load-api: install
	$(PY) -m bench.load_api

# A full-page PNG of every menu page for each demo role in var/screenshots/<role>/ (needs the demo
# data of `make demo`, or a seeded database at DATABASE_URL).
screenshots: install
	./scripts/ensure-chromium.sh
	$(PY) -m bench.screenshots

clean:
	rm -rf $(VENV) var
