# scimwatch: `make demo` runs the embedded demo, `make test` runs every check CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/scimwatch demo

test: $(VENV)/.test
	tests/services.sh
	$(MAKE) --no-print-directory lint unit

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.test
	$(BIN)/pytest -q

bench: $(VENV)/.test
	$(BIN)/python bench/replay_throughput.py

clean:
	rm -rf $(VENV) scimwatch-demo bench/out .pytest_cache .mypy_cache .ruff_cache
