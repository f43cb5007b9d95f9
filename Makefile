# The README's commands. Each one installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install browser postgres demo test test-fast lint format bench dev docs clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml sandbox/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ./sandbox -e '.[dev,sandbox]'
	touch $@

# The UI test drives Debian's chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The production tests start a PostgreSQL cluster of their own from Debian's server package.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)

demo: install
	$(BIN)/qa-warehouse demo

# Four worker processes on two cores, a test file each at a time (files share their module
# fixtures): the suite waits on sockets, subprocesses and rate limits as much as it computes.
# The files go out in the order tests/conftest.py gives them, the longest first.
test: install lint browser postgres
	$(BIN)/pytest -n 4 --dist loadfile --no-loadscope-reorder --durations=30

# The edit loop: everything but the long end-to-end paths and the real-services tests.
test-fast: install
	$(BIN)/pytest -n 4 --dist loadfile --no-loadscope-reorder -m "not slow and not production"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

# The Dagster UI on the project's instance (dagster_home/, where `make demo` ran), with the
# built-in sandbox started and every vendor pointed at it.
dev: install
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/qa-warehouse dev

# dbt's documentation site, beside the analyst copy (data/docs/index.html).
docs: install
	$(BIN)/qa-warehouse docs

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
