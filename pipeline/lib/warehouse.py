"""The warehouse file: how it is opened, the lock that keeps writers in turn, and the DuckDB
resource every asset writes through."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from filelock import FileLock, Timeout
from pydantic import Field

# Steps that hold the warehouse open for long (dbt, publish, the CQA push) run in this Dagster
# pool, which the instance gives one slot. Raw steps run in their vendor's pool instead and
# open the warehouse only for short reads and the final landing transaction.
WRITER_POOL = "duckdb_writer"


# DuckDB's default (80% of RAM) lets a large window's commit keep gigabytes cached; landing
# streams, so a bounded buffer pool keeps a step's memory flat whatever the window. Not lower:
# at 512 MB the commit of 1,000,000 Kore records kept evicting and reloading blocks (6.5 s of
# its 17.1 s in the kernel, against 2.6 of 12.9 s at 1 GB; medians of three) to save 34 MB of
# peak RSS (523 against 557 MB).
MEMORY_LIMIT = "1GB"
# A commit that would take the WAL past this size checkpoints as it commits, and DuckDB then
# skips writing its rows to the WAL. At the default (16 MB, compared with DuckDB's estimate of
# a commit, far below its real WAL) a window smaller than a row group went to the WAL as plain
# JSON (278 MB for 100,000 Kore records) and was written again, compressed, by the checkpoint
# at close. Small commits still go to the WAL: a checkpoint on every commit made 1,000
# single-row updates (the submission ledger's kind) 3.3 times slower.
CHECKPOINT_THRESHOLD = "1MB"


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the pipeline's settings. Callers hold the lock (`exclusive`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    conn = duckdb.connect(
        str(path),
        config={"memory_limit": MEMORY_LIMIT, "checkpoint_threshold": CHECKPOINT_THRESHOLD},
    )
    if new:
        # Vendor data: its owner's alone (the analyst copy is the one for readers).
        path.chmod(0o600)
    return conn


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


@contextmanager
def read_only(database: str | Path, timeout_seconds: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection taken under the warehouse lock: a reader that opened the file
    behind the lock's back would make a writer fail at once on DuckDB's own lock. Raises
    `WarehouseLockTimeout` when a writer holds it longer than `timeout_seconds`, and
    `FileNotFoundError` when there is no warehouse yet."""
    if not Path(database).exists():
        raise FileNotFoundError(f"no warehouse yet at {database}")
    with exclusive(str(database), timeout_seconds):
        conn = duckdb.connect(str(database), read_only=True)
        try:
            yield conn
        finally:
            conn.close()


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
        return self.beside(".spool")

    def beside(self, suffix: str) -> Path:
        """A path beside the warehouse file, named after it."""
        return Path(self.database).with_name(Path(self.database).name + suffix)
