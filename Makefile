# feedsvc: `make run` serves the bundled content on http://127.0.0.1:8000, `make test` runs every test.
# Both set up .venv first (Python 3.11+ is all they need).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check export bench loadtest requirements clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The Procfile's own command (python -m feedsvc.serve: granian, SIGHUP reloads in place), on $(HOST).
run: $(STAMP)
	PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" bash -c "exec $$(sed -n 's/^web: //p' Procfile | sed 's/0\.0\.0\.0/$(HOST)/')"

test: $(STAMP)
	$(BIN)/python -m pytest

# ruff (rules in pyproject.toml), the formatter's verdict, and mypy over feedsvc/.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/flask --app feedsvc check

DIR ?= export
export: $(STAMP)
	$(BIN)/flask --app feedsvc export $(DIR)

# Benchmarks (bench/README.md): serving vs nginx and Django, start-up and memory at 1k/10k vs Hugo.
# Both write bench/RESULTS.md; bench-scale adds the 100k step (slow: progress is printed).
bench: $(STAMP)
	$(BIN)/python -m bench.run

.PHONY: bench-scale
bench-scale: $(STAMP)
	$(BIN)/python -m bench.run --no-serve --sizes 1k,10k,100k --breakdown-max 100k

# Load test (bench/loadtest.py): the Procfile's server under wrk for 60 s, 64 connections, a mix of
# feeds, pages, encodings and conditional polls; fails on any error or >10% memory growth.
# LOADTEST_DURATION and LOADTEST_CONNECTIONS override the defaults.
loadtest: $(STAMP)
	$(BIN)/python bench/loadtest.py

# Regenerate the pinned requirements from pyproject.toml.
requirements:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra test --extra bench --extra lint -o requirements-dev.txt pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
