# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What serving needs (reelgate and its dependencies), and that plus the test tools.
SERVE_STAMP := $(VENV)/.serve-stamp
STAMP := $(VENV)/.installed-stamp
# `make test-fast`: the unit and API tests, over two processes, without the suites that start
# servers of their own (multi-process, durability, S3, the upstream provider fakes) and without
# the tests marked slow. The browser, fuzz, hardening, keys, scenarios, docs and local-model
# suites run in `make test` only.
FAST_TESTS := tests/unit tests/api -m "not slow" -n 2 \
	--ignore=tests/api/test_multiprocess.py --ignore=tests/api/test_content_and_durability.py \
	--ignore=tests/api/test_s3_storage.py $(patsubst %,--ignore=%,$(wildcard tests/api/test_upstream_*.py))

.PHONY: install run test test-fast browser screenshots lint format bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(SERVE_STAMP) $(STAMP)

install: $(STAMP)  ## create .venv and install reelgate with its test tools

run: $(SERVE_STAMP)  ## install what serving needs, serve on 127.0.0.1:8000 (PORT=... to change)
	$(BIN)/reelgate serve $(if $(PORT),--port $(PORT))

browser:  ## Chromium for the browser tests: Debian's package (Playwright never downloads one)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	     >/dev/null) || echo "!! could not install chromium: the browser tests will be SKIPPED" >&2; \
	  else echo "!! chromium is missing and can't be installed here (needs root and apt-get):" \
	    "the browser tests will be SKIPPED" >&2; fi; }

test: $(STAMP) browser  ## lint, then the whole test suite (starts its own servers on loopback)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest

test-fast: $(STAMP)  ## lint, then the unit and API tests without the slow ones (under 3 minutes)
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest $(FAST_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

screenshots: $(STAMP) browser  ## retake the web page's pictures in docs/images/
	REELGATE_UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/e2e -k screenshots

bench: $(STAMP)  ## every benchmark, then one table (docs/benchmarks.md); ~10 min on 2 cores
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) reelgate-data .pytest_cache .ruff_cache
