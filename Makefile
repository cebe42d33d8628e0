# feedsvc: `make run` serves the bundled content on http://127.0.0.1:8000, `make test` runs every test.
# Both set up .venv first (Python 3.11+ is all they need).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check export bench bench-pages loadtest requirements clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The Procfile's own command (python -m feedsvc.serve: granian, SIGHUP reloads in place), on $(HOST).
run: $(STAMP)
	PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" bash -c "exec $$(sed -n 's/^web: //p' Procfile | sed 's/0\.0\.0\.0/$(HOST)/')"

# axe-core for the browser tests, pinned in tests/browser/package-lock.json. Without npm the
# browser tests skip (locally; CI installs npm and they must run there).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts --loglevel=error && touch $(AXE); \
	else echo "npm not found: the browser tests will skip (axe-core is not installed)"; fi

test: $(STAMP) $(AXE)
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

# Fault figures for the README's operations section (bench/faults.py): a killed worker, idle
# sockets, SIGTERM, a 3.9 MB article, and SIGHUP over a 100,000-file corpus (slow: built first).
.PHONY: bench-faults
bench-faults: $(STAMP)
	$(BIN)/python -m bench.faults

# bench-scale: issue 14's content index at 1k/10k/100k (start-up, memory, reload, hot path vs nginx),
# then start-up at each size vs Hugo. bench-scale-1m (long, optional): 1,000,000 tiny articles from an
# index built ahead; the 1M-file corpus goes to BENCH_CORPUS (keep it outside the worktree).
.PHONY: bench-scale bench-scale-1m
bench-scale: $(STAMP)
	$(BIN)/python -m bench.index_scale 1k 10k 100k
	$(BIN)/python -m bench.run --no-serve --sizes 1k,10k,100k --breakdown-max 100k

BENCH_CORPUS ?= bench/corpus
bench-scale-1m: $(STAMP)
	$(BIN)/python -m bench.index_scale --corpus-root $(BENCH_CORPUS) 1m-tiny

# Lighthouse (npm package, pinned in bench/lighthouse/package-lock.json) on the home page and the
# article of the bundled content, served by the Procfile's server; prints the four category scores.
bench-pages: $(STAMP)
	npm ci --prefix bench/lighthouse --no-audit --no-fund --loglevel=error
	$(BIN)/python -m bench.lighthouse

# Load test (python -m bench.loadtest): the Procfile's server under wrk for 60 s, 64 connections, a mix of
# feeds, pages, encodings and conditional polls; fails on any error or >10% memory growth.
# LOADTEST_DURATION and LOADTEST_CONNECTIONS override the defaults.
loadtest: $(STAMP)
	$(BIN)/python -m bench.loadtest

# Regenerate the pinned requirements from pyproject.toml.
requirements:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra test --extra bench --extra lint -o requirements-dev.txt pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/browser/node_modules tests/browser/screenshots

# Record what changed in the content since the last run in content/.feedsvc.lock (Last-Modified
# and edit dates come from it): run before each deploy and commit the file with the content.
.PHONY: lock
lock: $(STAMP)
	$(BIN)/flask --app feedsvc lock
