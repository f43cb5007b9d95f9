"""Fixtures: one loopback sandbox per session, a fresh warehouse per test."""

from __future__ import annotations

import os

# Set before the pipeline is imported (its dbt project reads it): each pytest-xdist worker
# parses dbt into a target folder of its own, never into another worker's. Assigned, not
# defaulted: the workers inherit the environment of the controlling process, which imported
# this file first and set it to its own folder.
# A second suite beside the first (CI's second Python) names itself in QA_TEST_SUITE.
os.environ["QA_DBT_TARGET_PATH"] = "target/{}-{}".format(
    os.environ.get("QA_TEST_SUITE", "pytest"), os.environ.get("PYTEST_XDIST_WORKER", "main")
)
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance
from qa_sandbox.server import SandboxServer

from pipeline.lib.dbt import dbt_command, dbt_project, ensure_manifest
from pipeline.lib.vendor import dbt_vars
from pipeline.runner import StepFailure, run_pipeline
from pipeline.vendors import VENDORS

DAY = date(2026, 3, 23)
VENDOR_PREFIXES = tuple(vendor.settings.env_prefix for vendor in VENDORS)
# What every dbt command of the project is given: the registry's vendors.
DBT_VARS = dbt_vars(VENDORS)


# Each test file's time in the last full run that stored it (`--store-durations`): the files
# go out to the workers longest first, so that no long one starts when the others are nearly
# done. Scheduling only: a file missing from it takes the median.
DURATIONS = Path(__file__).with_name("durations.json")
_durations: dict[str, float] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-durations",
        action="store_true",
        help=f"write each test file's time to {DURATIONS.name}, for the order of the next runs",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files longest first (each file runs on one worker, `--dist loadfile`; the Makefile keeps
    this order with `--no-loadscope-reorder`)."""
    known = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    default = statistics.median(known.values()) if known else 0.0
    per_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        per_file.setdefault(item.nodeid.split("::")[0], []).append(item)
    order = sorted(per_file, key=lambda name: -known.get(name, default))
    items[:] = [item for name in order for item in per_file[name]]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    file = report.nodeid.split("::")[0]
    _durations[file] = _durations.get(file, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # On the controlling process only (an xdist worker has `workerinput`); the files this
    # run did not include keep their stored time.
    config = session.config
    if config.getoption("--store-durations") and not hasattr(config, "workerinput"):
        stored = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
        stored.update({name: round(seconds, 1) for name, seconds in _durations.items()})
        DURATIONS.write_text(json.dumps(dict(sorted(stored.items())), indent=1) + "\n")


@pytest.fixture(scope="session", autouse=True)
def dagster_home() -> Iterator[Path]:
    """The command line's Dagster instance in tests: the project's instance configuration in a
    folder of this worker's own, never the project's `dagster_home/` (runs a test kills would
    stay there, and hold their pools' slots against the next session)."""
    with tempfile.TemporaryDirectory(prefix="qaw-dagster-home-") as folder:
        home = Path(folder)
        shutil.copy(Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml", home)
        previous = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(home)
        yield home
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest(warehouse_home: Path) -> None:
    """`dbt parse` once per session, not once per test, for the warehouse the tests use."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))
        ensure_manifest(DBT_VARS)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def vendor_env(
    sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    """Every vendor configured (pointed at the sandbox), so every vendor's Definitions exist,
    on the worker's warehouse path: Definitions for another path would parse dbt again here,
    and once more in the next test that builds."""
    for name, value in sandbox_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))


def reset_sandbox(sandbox_server: SandboxServer) -> None:
    """The sandbox as every test starts with it: each simulator as it starts, without the
    vendors' limits (a test that means to meet them sets them), its clock on the test day."""
    sandbox_server.reset()
    sandbox_server.remove_rate_limits()
    sandbox_server.clock.set(datetime(DAY.year, DAY.month, DAY.day, 12))


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox with its state reset around each test."""
    reset_sandbox(sandbox_server)
    yield sandbox_server
    # Nothing a test set (a held delivery, a fault script) reaches the next one.
    sandbox_server.reset()


@dataclass
class Warehouse:
    path: Path
    analytics_path: Path
    # None for a kept copy (`kept_copy`), which is only read.
    instance: DagsterInstance | None

    def run(
        self, start: date = DAY, end: date | None = None, vendors: list[str] | None = None
    ) -> list[StepFailure]:
        assert self.instance is not None, "a kept copy is only read"
        return run_pipeline(start, end or start, vendors, instance=self.instance)

    def land(
        self, start: date = DAY, end: date | None = None, vendors: list[str] | None = None
    ) -> list[StepFailure]:
        """A run without the dbt build, for tests about what lands (raw tables, the load log,
        the quarantine) and not about the marts: a build costs more than a day's landing."""
        assert self.instance is not None, "a kept copy is only read"
        return run_pipeline(start, end or start, vendors, instance=self.instance, build=False)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as conn:
            return conn.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.query(sql, params)[0][0]

    def dbt(self, target: Path, *args: str) -> subprocess.CompletedProcess:
        """A dbt command on this warehouse as an analyst runs it (outside Dagster). `target`
        starts with the project's partial-parse state, as an analyst's `target/` has it."""
        if not target.exists():
            target.mkdir(parents=True)
            state = Path(dbt_project.project_dir) / dbt_project.target_path
            if (state / "partial_parse.msgpack").exists():
                shutil.copy(state / "partial_parse.msgpack", target)
        return subprocess.run(
            dbt_command(*args, target=target, dbt_vars=DBT_VARS),
            env={**os.environ, "QA_WAREHOUSE_PATH": str(self.path)},
            capture_output=True,
            text=True,
        )

    def dbt_build(self, target: Path, *flags: str) -> subprocess.CompletedProcess:
        """`dbt build` without the unit tests, which do not read the warehouse."""
        return self.dbt(target, "build", *flags, "--exclude-resource-type", "unit_test", "--quiet")


@pytest.fixture(scope="session")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder, emptied before each test, holds each test's warehouse: always the same
    path, so dbt's parse of the project (which names the warehouse) is done once a session
    and not once a test, as a deployment with its one warehouse parses once."""
    return tmp_path_factory.mktemp("warehouse")


def configure_warehouse_env(
    monkeypatch: pytest.MonkeyPatch, home: Path, sandbox: SandboxServer
) -> None:
    """Every vendor pointed at the sandbox, and the warehouse, its analyst copy and the CQA
    inbox in `home`."""
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(home / "warehouse.duckdb"))
    monkeypatch.setenv("QA_ANALYTICS_PATH", str(home / "analytics.duckdb"))
    monkeypatch.setenv("QA_PARTITIONS_START", "2026-01-01")
    # Tests write inbox files whole before they run: nothing to wait for.
    monkeypatch.setenv("QA_INBOX_SETTLE_SECONDS", "0")
    # Small pages so every window spans several; fast backoff so retries do not slow the suite.
    monkeypatch.setenv("KORE_PAGE_SIZE", "7")
    monkeypatch.setenv("KORE_BACKOFF_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("KORE_REQUESTS_PER_MINUTE", "100000")
    monkeypatch.setenv("KORE_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("KORE_MAX_ATTEMPTS", "8")
    monkeypatch.setenv("EVALUAGENT_BACKOFF_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("EVALUAGENT_REQUESTS_PER_MINUTE", "100000")
    monkeypatch.setenv("EVALUAGENT_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("EVALUAGENT_MAX_ATTEMPTS", "8")
    monkeypatch.setenv("CQA_BACKOFF_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("CQA_GET_REQUESTS_PER_MINUTE", "100000")
    monkeypatch.setenv("CQA_POST_REQUESTS_PER_MINUTE", "100000")
    monkeypatch.setenv("CQA_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("CQA_MAX_ATTEMPTS", "8")
    monkeypatch.setenv("CQA_INBOX_PATH", str(home / "inbox"))
    monkeypatch.setenv("VOXXI_INBOX_PATH", str(home / "voxxi_inbox"))
    monkeypatch.setenv("VOXXI_BACKOFF_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("VOXXI_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("EXOTEL_INBOX_PATH", str(home / "exotel_inbox"))
    monkeypatch.setenv("EXOTEL_BACKOFF_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("EXOTEL_TIMEOUT_SECONDS", "1.5")


def empty_folder(folder: Path) -> None:
    """The folder, emptied. A process a test killed may still be letting go of a file."""
    for attempt in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            break
        time.sleep(0.25 * (attempt + 1))
    folder.mkdir()


@pytest.fixture
def warehouse(
    warehouse_home: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Warehouse]:
    empty_folder(warehouse_home)
    configure_warehouse_env(monkeypatch, warehouse_home, sandbox)
    home = warehouse_home
    with DagsterInstance.ephemeral() as instance:
        yield Warehouse(home / "warehouse.duckdb", home / "analytics.duckdb", instance)


@pytest.fixture
def kore_only(monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse) -> Warehouse:
    """The warehouse with only Kore configured."""
    return only_vendor("KORE_", monkeypatch, warehouse)


def only_vendor(
    prefix: str | tuple[str, ...], monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse
) -> Warehouse:
    """Unset every other vendor's variables, so runs touch this vendor alone."""
    for name in list(os.environ):
        if name.startswith(VENDOR_PREFIXES) and not name.startswith(prefix):
            monkeypatch.delenv(name)
    return warehouse


@contextmanager
def run_once(
    home: Path, sandbox_server: SandboxServer, *, only: str | tuple[str, ...] | None = None
) -> Iterator[Warehouse]:
    """A fresh warehouse for a module's shared run, which its fixture makes inside the block
    (after setting the sandbox up as its tests expect): every vendor pointed at the sandbox, or
    only those whose variables start with `only` (a prefix or several). In the worker's
    warehouse folder (dbt's parse is for that path); a fixture whose tests read the result
    afterwards keeps it with `kept_copy`, since the next test's `warehouse` empties that
    folder."""
    reset_sandbox(sandbox_server)
    empty_folder(home)
    with pytest.MonkeyPatch.context() as patch, DagsterInstance.ephemeral() as instance:
        configure_warehouse_env(patch, home, sandbox_server)
        warehouse = Warehouse(home / "warehouse.duckdb", home / "analytics.duckdb", instance)
        if only is not None:
            only_vendor(only, patch, warehouse)
        try:
            yield warehouse
        finally:
            # Nothing the fixture set (a bigger day, a fault script) reaches the next test.
            sandbox_server.reset()


def kept_copy(warehouse: Warehouse, folder: Path) -> Warehouse:
    """The warehouse and its analyst copy copied to `folder`, for tests that only read them
    (`query`, `scalar`): shared by a module's tests, it outlives the run's Dagster instance."""
    for source in (warehouse.path, warehouse.analytics_path):
        if source.exists():
            # The analyst copy is a link to its current version: copy what it points at.
            shutil.copy(source.resolve(), folder / source.name)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copy(wal, folder / wal.name)
    return Warehouse(folder / warehouse.path.name, folder / warehouse.analytics_path.name, None)
