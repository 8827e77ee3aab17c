# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install reelgate with its test tools

run: $(STAMP)  ## serve on 127.0.0.1:8000 with the embedded defaults
	$(BIN)/reelgate serve

test: $(STAMP)  ## lint, then the whole test suite (starts its own servers on loopback)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)  ## print benchmark figures (see docs/benchmarks.md)
	$(BIN)/python bench/bench_preview.py

clean:
	rm -rf $(VENV) reelgate-data .pytest_cache .ruff_cache
