"""Analysts query the published copy while the pipeline writes: never locked out."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

from tests.conftest import DAY

READER = textwrap.dedent(
    """
    import json, sys, time
    import duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    reads, errors, counts = 0, [], set()
    import os
    while not os.path.exists(stop_file):
        try:
            with duckdb.connect(path, read_only=True) as conn:
                counts.add(conn.execute("select count(*) from marts.fct_interaction").fetchone()[0])
            reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    print(json.dumps({"reads": reads, "errors": errors, "counts": sorted(counts)}))
    """
)


def test_a_reader_works_while_a_run_writes(warehouse, tmp_path) -> None:
    assert warehouse.run(DAY) == []
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse.analytics_path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        # The same window again: a full load, dbt build and publish while the reader reads.
        assert warehouse.run(DAY) == []
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    result = json.loads(out)
    assert result["errors"] == []
    assert result["reads"] > 10
    expected = warehouse.scalar("select count(*) from marts.fct_interaction")
    assert result["counts"] == [expected]
    # Two publications happened, and the analyst file is the second one.
    with __import__("duckdb").connect(str(warehouse.analytics_path), read_only=True) as conn:
        run_id = conn.execute("select run_id from main.publication").fetchone()[0]
    runs = warehouse.instance.get_runs()
    assert run_id == next(r.run_id for r in runs if r.job_name == "build_and_publish")
