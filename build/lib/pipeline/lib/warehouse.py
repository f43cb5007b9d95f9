"""The DuckDB resource every asset writes through, and the lock that keeps writers in turn."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from filelock import FileLock, Timeout
from pydantic import Field

from pipeline.lib.landing import connect

# Steps that hold the warehouse open for long (dbt, publish, the CQA push) run in this Dagster
# pool, which the instance gives one slot. Raw steps run in their vendor's pool instead and
# open the warehouse only for short reads and the final landing transaction.
WRITER_POOL = "duckdb_writer"


def api_pool(vendor: str) -> str:
    """The Dagster pool of a vendor's API steps: one slot, so one process reads a vendor."""
    return f"{vendor}_api"


class WarehouseLockTimeout(RuntimeError):
    """Another step held the warehouse for longer than we are willing to wait."""


_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def _file_lock(database: str) -> FileLock:
    # One FileLock object per file and process: it counts re-entries, so a step that already
    # holds the warehouse can open it again (a second lock object would wait for the first).
    path = str(Path(database).resolve()) + ".lock"
    with _LOCKS_GUARD:
        if path not in _LOCKS:
            _LOCKS[path] = FileLock(path, thread_local=False)
        return _LOCKS[path]


@contextmanager
def exclusive(database: str, timeout_seconds: float) -> Iterator[None]:
    """Hold the warehouse for this process. DuckDB lets one process open a file for writing
    and fails any other at once; the lock makes every process of this project wait its turn."""
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    lock = _file_lock(database)
    try:
        lock.acquire(timeout=timeout_seconds)
    except Timeout:
        raise WarehouseLockTimeout(
            f"the warehouse {database} stayed in use by another step for {timeout_seconds:.0f} s "
            "(QA_WAREHOUSE_LOCK_TIMEOUT_SECONDS)"
        ) from None
    try:
        yield
    finally:
        lock.release()


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, made safe for several processes and failing steps.

    Every connection is taken under the warehouse lock (see `exclusive`), and closed even when
    the step fails: upstream's `get_connection` skips `close()` on an exception, so a failed
    step would keep DuckDB's file lock until garbage collection.
    """

    lock_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="How long a step waits for another to release the file"
    )

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with exclusive(self.database, self.lock_timeout_seconds):
            yield

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.exclusive():
            conn = connect(self.database)
            try:
                yield conn
            finally:
                conn.close()

    def spool_root(self) -> Path:
        """Where raw steps spool pages before landing them: beside the warehouse file."""
        return Path(self.database).with_name(Path(self.database).name + ".spool")
