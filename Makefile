# Pulse: `make demo` runs the product with demo data, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
TEMPLATE_DIRS := templates $(wildcard */templates)
# make demo PORT=8001: where runserver listens (always on loopback).
PORT ?= 8000

.PHONY: install demo demo-reset run test test-fast lint format check worker beat clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt -r requirements/prod.txt
	touch $@

install: $(VENV)/.installed

demo: install
	$(MANAGE) migrate --noinput
	PULSE_BASE_URL=http://127.0.0.1:$(PORT) $(MANAGE) demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# The embedded default only: PostgreSQL's database is dropped and created with its own tools.
demo-reset:
	@if [ -n "$$DATABASE_URL" ]; then echo "DATABASE_URL is set: drop and create that database instead (README)"; exit 1; fi
	rm -rf db.sqlite3 media
	$(MAKE) demo

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# The whole suite measures coverage and fails under the floor (fail_under in pyproject.toml);
# a partial run (PYTEST_ARGS) measures nothing, so it cannot fall under it.
test: install
	$(BIN)/pytest $(if $(PYTEST_ARGS),,--cov --cov-report=term-missing:skip-covered) $(PYTEST_ARGS)

# The inner loop: no browser, slow or real-data tests.
test-fast: install
	$(BIN)/pytest -m "not browser and not slow and not realdata" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint $(TEMPLATE_DIRS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --fail-on-warn --validate --file /dev/null
	$(BIN)/mypy

# worker and beat need Redis (REDIS_URL): without it tasks run eagerly in the web process.
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
