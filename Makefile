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

bench: $(STAMP)  ## every benchmark, then one table (docs/benchmarks.md); ~4 min on 2 cores
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) reelgate-data .pytest_cache .ruff_cache
