# `make demo` and `make test` are the newcomer's contract: each sets everything up, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TESTS := $(VENV)/.test-installed

.PHONY: demo test lint bench explore screenshots snapshot-update clean

# The demo needs the runtime only: no test tools, no pip upgrade, so a newcomer waits seconds.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TESTS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

demo: $(RUNTIME)
	$(BIN)/rotui demo

test: $(TESTS)
	$(BIN)/python -m pytest

lint: $(RUNTIME)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/python -m ruff check rotui tests

bench: $(TESTS)
	$(BIN)/python -m benchmarks

# The run engine's model-based test, explored far longer than `make test` does (minutes).
explore: $(TESTS)
	ROTUI_MODEL_EXAMPLES=2000 $(BIN)/python -m pytest -q tests/unit/test_engine_model.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

screenshots: $(TESTS)
	TEXTUAL_ANIMATIONS=none $(BIN)/python scripts/screenshots.py

snapshot-update: $(TESTS)
	$(BIN)/python -m pytest tests/snapshots --snapshot-update
