"""Analysts query the published copy while the pipeline writes: never locked out."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

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
            if reads == 1:
                print("reading", flush=True)
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
        # The reader has read once before the run starts, and reads until it ends.
        assert reader.stdout.readline().strip() == "reading"
        # The same window again: a full load, dbt build and publish while the reader reads.
        assert warehouse.run(DAY) == []
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    result = json.loads(out)
    assert result["errors"] == []
    assert result["reads"] >= 1
    expected = warehouse.scalar("select count(*) from marts.fct_interaction")
    assert result["counts"] == [expected]
    # Two publications happened, and the analyst file is the second one.
    with __import__("duckdb").connect(str(warehouse.analytics_path), read_only=True) as conn:
        run_id = conn.execute("select run_id from main.publication").fetchone()[0]
    runs = warehouse.instance.get_runs()
    assert run_id == next(r.run_id for r in runs if r.job_name == "build_and_publish")


def _marts_warehouse(path, rows: int) -> None:
    import duckdb

    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute(
            f"create or replace table marts.fct_x as select range as id from range({rows})"
        )


def _count(path) -> int:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select count(*) from marts.fct_x").fetchone()[0]


def test_a_wal_left_by_an_analyst_does_not_break_the_next_publish(tmp_path) -> None:
    from pipeline.lib.publish.analyst_copy import publish_marts

    warehouse, copy = tmp_path / "w.duckdb", tmp_path / "analytics.duckdb"
    _marts_warehouse(warehouse, 3)
    # A copy published by an older release (one plain file), with an analyst's WAL beside it.
    publish_marts(warehouse, tmp_path / "staging.duckdb", "run-0")
    (tmp_path / "staging.duckdb").resolve().rename(copy)
    (tmp_path / "analytics.duckdb.wal").write_bytes(b"not this file's WAL")
    publish_marts(warehouse, copy, "run-1")
    assert copy.is_symlink() and _count(copy) == 3
    # An analyst opens the copy read-write, writes, and is killed before a checkpoint.
    writer = (
        "import duckdb, os, sys\n"
        "conn = duckdb.connect(sys.argv[1])\n"
        "conn.execute('create table main.scratch as select 1 as x')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(copy)], check=True)
    assert copy.resolve().with_name(copy.resolve().name + ".wal").exists()
    _marts_warehouse(warehouse, 5)
    publish_marts(warehouse, copy, "run-2")
    assert _count(copy) == 5, "the new version opens through the analyst's path"
    target = copy.resolve()
    assert not (target.stat().st_mode & 0o222), "published versions are read-only"


def test_old_versions_are_kept_for_rollback_and_a_bad_one_is_never_switched_to(
    tmp_path, monkeypatch
) -> None:
    from pipeline.lib.publish import analyst_copy as publish

    warehouse, copy = tmp_path / "w.duckdb", tmp_path / "analytics.duckdb"
    for rows in range(1, 6):
        _marts_warehouse(warehouse, rows)
        publish.publish_marts(warehouse, copy, f"run-{rows}")
    versions = sorted(tmp_path.glob("analytics.*Z.duckdb"))
    assert len(versions) == publish.KEEP_VERSIONS
    assert copy.resolve() == versions[-1] and _count(copy) == 5
    assert _count(versions[0]) == 3, "rollback: an older version still opens"

    real_copy = publish._copy

    def broken_copy(source, version, run_id):
        rows = real_copy(source, version, run_id)
        version.write_bytes(version.read_bytes()[:4096])  # a copy cut short
        return rows

    monkeypatch.setattr(publish, "_copy", broken_copy)
    _marts_warehouse(warehouse, 9)
    with pytest.raises(publish.PublishError):
        publish.publish_marts(warehouse, copy, "run-6")
    assert _count(copy) == 5, "analysts keep the last good version"
    assert len(sorted(tmp_path.glob("analytics.*Z.duckdb"))) == publish.KEEP_VERSIONS


def test_the_settings_keep_the_link_to_the_analyst_copy(tmp_path, monkeypatch) -> None:
    """A process started after a publish names the link, not the version it points at: else
    its publish would switch a link of its own beside that version, and analysts would read
    through a chain of links that the pruning of old versions breaks."""
    from pipeline.lib.publish.analyst_copy import publish_marts
    from pipeline.lib.settings import WarehouseSettings

    warehouse = tmp_path / "w.duckdb"
    _marts_warehouse(warehouse, 3)
    monkeypatch.setenv("QA_ANALYTICS_PATH", str(tmp_path / "a.duckdb"))
    for rows in (3, 4, 5):
        _marts_warehouse(warehouse, rows)
        # Each publish in a "new process": settings read again after the last switch.
        analytics = WarehouseSettings().absolute().analytics_path
        assert analytics == tmp_path / "a.duckdb"
        publish_marts(warehouse, analytics, f"run-{rows}")
    link = tmp_path / "a.duckdb"
    assert link.is_symlink() and not (tmp_path / link.readlink()).is_symlink()
    assert _count(link) == 5
    versions = sorted(p.name for p in tmp_path.glob("a.*.duckdb"))
    assert len(versions) == 3 and all(p.count(".") == 2 for p in versions), versions
