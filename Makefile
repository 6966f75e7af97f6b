# The two commands of the quickstart are `make run` and `make test`; both set up .venv first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-integration test-fuzz lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: install
	$(BIN)/fittingroom serve

test: install
	$(BIN)/python -m pytest

# The scale-out cluster (Redis, PostgreSQL, S3, two API processes, two Celery workers), started
# and torn down by the suite itself. Needs: apt-get install redis-server postgresql
test-integration: install
	$(BIN)/python -m pytest -m integration tests/integration

# schemathesis against a live server: FITTINGROOM_FUZZ_EXAMPLES per operation (default 100).
test-fuzz: install
	$(BIN)/python -m pytest -m fuzz tests/fuzz -s

lint: install
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
