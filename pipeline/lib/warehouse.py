"""The DuckDB resource every asset writes through."""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster_duckdb import DuckDBResource

from pipeline.lib.landing import connect

# DuckDB allows one writing process per file. Every step that opens the warehouse runs in this
# Dagster pool, which the instance gives one slot: parallel runs queue instead of failing on
# the file lock.
WRITER_POOL = "duckdb_writer"


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, but the connection is closed even when the step fails.

    Upstream's `get_connection` skips `close()` on an exception, so a failed step would keep
    DuckDB's file lock until garbage collection and the next step (dbt) could not open the file.
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = connect(self.database)
        try:
            yield conn
        finally:
            conn.close()
