# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test browser screenshots lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install reelgate with its test tools

run: $(STAMP)  ## serve on 127.0.0.1:8000 with the embedded defaults
	$(BIN)/reelgate serve

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

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

screenshots: $(STAMP) browser  ## retake the web page's pictures in docs/images/
	REELGATE_UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/e2e -k screenshots

bench: $(STAMP)  ## print benchmark figures (see docs/benchmarks.md)
	$(BIN)/python bench/bench_preview.py
	@if command -v wrk >/dev/null 2>&1; then $(BIN)/python bench/bench_polling.py; \
	else echo "!! bench_polling.py SKIPPED: needs wrk (apt-get install wrk)" >&2; fi
	$(BIN)/python bench/bench_sse_memory.py
	@if [ -n "$$REELGATE_BENCH_DATABASE_URL$$REELGATE_TEST_DATABASE_URL" ]; then \
	  $(BIN)/python bench/bench_scale.py; \
	else echo "!! bench_scale.py SKIPPED: set REELGATE_BENCH_DATABASE_URL to a PostgreSQL database" >&2; fi

clean:
	rm -rf $(VENV) reelgate-data .pytest_cache .ruff_cache
