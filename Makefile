# One-command set-up: `make run` serves the studio, `make test` runs the whole suite,
# `make test-fast` the quick part of it, `make lint` every checker.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_WORKERS ?= 2

# The second test pass: every database on PostgreSQL (TEST_POSTGRES_URL, default the local server);
# tests/generation and tests/training never open a database, so they run in the first pass only.
POSTGRES_TESTS := CADENZA_TEST_DATABASE=postgres $(PY) -m pytest \
	--ignore=tests/generation --ignore=tests/training
# The quick part of the suite: no browser, PostgreSQL, several workers, training or slow tests
# (markers set in tests/conftest.py); tests/training is left out of collection too, since its
# modules import TensorFlow, which `make setup-train` installs and test-fast does not need.
FAST_TESTS := not (browser or postgres or scale or training or slow)

.PHONY: run test test-fast test-postgres train dataset bench setup setup-dev setup-train assets \
	migrate lint clean

run: setup assets migrate
	$(VENV)/bin/hypercorn --config hypercorn.toml --bind $(HOST):$(PORT) server.asgi:app

test: setup-dev setup-train assets
	npm test --silent
	$(PY) -m pytest $(PYTEST_ARGS)
	$(POSTGRES_TESTS) $(PYTEST_ARGS)

test-fast: setup-dev node_modules/.installed
	npm test --silent
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "$(FAST_TESTS)" --ignore=tests/training $(PYTEST_ARGS)

test-postgres: setup-dev setup-train assets
	$(POSTGRES_TESTS) $(PYTEST_ARGS)

train: setup-train
	$(PY) -m training.train $(TRAIN_ARGS)
	$(PY) -m training.export --plot docs/images/loss-curve.png
	$(PY) -m training.evaluate

dataset: setup-train
	$(PY) -m training.dataset

bench: setup-dev setup-train assets
	$(PY) -m bench $(BENCH_ARGS)

# Every checker runs, even after one fails; the failed ones are named at the end.
lint: setup-dev node_modules/.installed
	@failed=""; \
	$(VENV)/bin/ruff check . || failed="$$failed ruff-check"; \
	$(VENV)/bin/ruff format --check . || failed="$$failed ruff-format"; \
	$(VENV)/bin/mypy || failed="$$failed mypy"; \
	npm run --silent lint || failed="$$failed npm-lint"; \
	if [ -n "$$failed" ]; then echo "make lint failed:$$failed" >&2; exit 1; fi

migrate: setup
	$(PY) -m server.migrate

setup: $(VENV)/.run-installed
setup-dev: setup $(VENV)/.dev-installed
setup-train: setup $(VENV)/.train-installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.run-installed: $(VENV)/bin/python requirements.in constraints.txt
	$(PIP) install --quiet -r requirements.in -c constraints.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.in constraints.txt
	$(PIP) install --quiet -r requirements-dev.in -c constraints.txt
	touch $@

$(VENV)/.train-installed: $(VENV)/.run-installed requirements-train.in constraints.txt
	$(PIP) install --quiet -r requirements-train.in -c constraints.txt
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	npm run --silent build

clean:
	rm -rf $(VENV) node_modules web/dist
