# The README's commands. Each one installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install browser postgres demo test test-fast test-python2 lint format bench dev docs clean

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

# The install and the suite's quick files on a second Python (CI runs it beside `make test`):
# a venv of its own, and dbt targets named apart (QA_TEST_SUITE) from the main suite's.
PYTHON2 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3 $(HOME)/.pyenv/versions/3.12*/bin/python3) $(shell for p in python3.13 python3.12; do $$p -c '' 2>/dev/null && command -v $$p && break; done))
PYTHON2_TESTS ?= tests/test_landing.py tests/test_operations.py tests/test_vendor_contract.py \
	tests/test_kore_client.py tests/test_failures.py tests/test_http_layer.py \
	tests/test_dbt_unit_tests.py tests/test_completeness.py tests/test_status.py \
	tests/test_schedules.py tests/test_parquet.py tests/test_progress.py
test-python2:
	@test -n "$(PYTHON2)" || { echo "no second Python found: set PYTHON2=/path/to/python3.13"; exit 1; }
	$(MAKE) --no-print-directory install PYTHON=$(PYTHON2) VENV=.venv-python2
	QA_TEST_SUITE=python2 .venv-python2/bin/pytest -n 2 -p no:cacheprovider -q $(PYTHON2_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/vendor_time.py

# The Dagster UI on the project's instance (dagster_home/, where `make demo` ran), with the
# built-in sandbox started and every vendor pointed at it.
dev: install
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/qa-warehouse dev

# dbt's documentation site, beside the analyst copy (data/docs/index.html).
docs: install
	$(BIN)/qa-warehouse docs

clean:
	rm -rf $(VENV) .venv-python2 data dbt_project/target dbt_project/logs
