# Setia CRM. `make run` to use it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
# Test databases: our own throw-away database on the local PostgreSQL.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/setia_ci
CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup run test test-sqlite test-postgres test-browser lint format messages bench browser clean

help:
	@echo "make run    - set up, migrate, load demo data if empty, serve http://127.0.0.1:$(PORT)"
	@echo "make test   - lint, type-check and the whole test suite (SQLite, PostgreSQL, browser)"
	@echo "make setup  - the Python environment and dependencies only"
	@echo "make lint | format | messages | bench"

# The environment is rebuilt only when the lock file changes.
setup: $(VENV)/.synced
$(VENV)/.synced: uv.lock pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	UV_PYTHON=$(CURDIR)/$(PY) $(UV) sync --frozen --quiet
	@touch $@

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with a demo login above."
	$(PY) manage.py serve --port $(PORT)

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_translations.py

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: setup
	$(PY) manage.py makemessages -l id -l en --ignore=.venv --ignore=var --ignore=static/vendor --ignore=bench --no-location
	$(PY) scripts/translate.py
	$(PY) manage.py compilemessages --ignore=.venv

# The suites run side by side: SQLite and PostgreSQL each in their own process.
test: setup browser
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-sqlite test-postgres
	@$(MAKE) --no-print-directory test-browser

test-sqlite: setup
	SETIA_ENV=test $(VENV)/bin/pytest -m "not browser and not concurrency" -q -p no:cacheprovider

test-postgres: setup
	@if scripts/pg-available "$(PG_TEST_URL)"; then \
		SETIA_ENV=test DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -m "not browser" -q -p no:cacheprovider; \
	elif [ "$${REQUIRE_POSTGRES:-0}" = "1" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) cannot be reached and REQUIRE_POSTGRES=1: failing."; exit 1; \
	else \
		echo "WARNING: PostgreSQL at $(PG_TEST_URL) cannot be reached: PostgreSQL suite NOT run."; \
	fi

# A file database (WAL, busy timeout) as in production: the live server's threads and the in-test
# worker wait for each other's locks instead of failing at once as the shared in-memory database does.
test-browser: setup browser
	SETIA_ENV=test SQLITE_TEST_NAME=$(CURDIR)/var/test-browser.sqlite3 $(VENV)/bin/pytest -m browser -q -p no:cacheprovider

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/static .mypy_cache .ruff_cache .pytest_cache
