"""Raw landing: pages as received, window replacement in one transaction, crash safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lib.pull.commit import COMMIT_BATCH_PAGES, LoadOutcome, commit_window, fail_window
from pipeline.lib.pull.land import spool_page
from pipeline.lib.pull.pages import Page
from pipeline.lib.pull.paging import split_records
from pipeline.lib.pull.spool import CHUNK_PAGES, WindowSpool
from pipeline.lib.raw_schema import Endpoint, ensure_raw_schema
from pipeline.lib.warehouse import connect
from pipeline.lib.windows import Window, days_between

ENDPOINT = Endpoint("kore", "rawdata")
WINDOW = Window.for_day("2026-03-23")


def _rows(conn) -> list[tuple]:
    return conn.execute(
        "select run_id, page_number, payload from raw.kore__rawdata order by run_id, page_number"
    ).fetchall()


def _load(tmp_path: Path, run_id: str) -> WindowSpool:
    return WindowSpool(ENDPOINT, WINDOW, run_id, tmp_path / "spool")


def _landed(tmp_path: Path, conn, run_id: str, body: str, records: int) -> LoadOutcome:
    """A one-page load of the window, committed."""
    load = _load(tmp_path, run_id)
    load.add_page(1, body, records=records, request={})
    return commit_window(conn, load)


def test_pages_are_stored_exactly_as_received(tmp_path: Path) -> None:
    body = '{"results": [ {"Conversation ID": "c-1",  "x": 1.50} ],\n "hasMore": false}'
    with connect(tmp_path / "w.duckdb") as conn:
        load = _load(tmp_path, "run-a")
        load.add_page(1, body, records=1, request={"page": 1})
        commit_window(conn, load)
        load.discard()
        assert _rows(conn) == [("run-a", 1, body)]
    assert list((tmp_path / "spool").iterdir()) == []


def test_pages_wait_in_the_spool_until_the_load_commits(tmp_path: Path) -> None:
    load = _load(tmp_path, "run-a")
    load.add_page(1, '{"results": [1]}', records=1, request={})
    # The warehouse is free while the vendor is read: another process may write meanwhile.
    with connect(tmp_path / "w.duckdb") as conn:
        conn.execute("create table other_writer as select 1 as x")
    with connect(tmp_path / "w.duckdb") as conn:
        commit_window(conn, load)
        assert _rows(conn) == [("run-a", 1, '{"results": [1]}')]
    load.discard()


def test_a_rerun_replaces_the_window_and_a_killed_run_leaves_nothing_visible(
    tmp_path: Path,
) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        _landed(tmp_path, conn, "run-a", '{"results": []}', 0)
        # run-b is killed after one page: it never commits, the warehouse never sees it.
        killed = _load(tmp_path, "run-b")
        killed.add_page(1, '{"results": [1]}', records=1, request={})
        statuses = dict(conn.execute("select run_id, status from raw.load_log").fetchall())
        assert statuses == {"run-a": "success"}
        assert [r[0] for r in _rows(conn)] == ["run-a"]

        third = _load(tmp_path, "run-c")
        third.add_page(1, '{"results": [2]}', records=1, request={})
        third.add_page(2, '{"results": [3]}', records=1, request={})
        commit_window(conn, third)
        assert [r[0] for r in _rows(conn)] == ["run-c", "run-c"]


def test_a_failed_run_keeps_the_last_good_load_and_its_quarantine(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        _landed(tmp_path, conn, "run-a", '{"results": [1]}', 1)
        bad = _load(tmp_path, "run-b")
        bad.add_page(1, '{"results": [2]}', records=1, request={})
        bad.quarantine("page 2: invalid JSON", '{"resu')
        fail_window(conn, bad, "RetryableError: page 2 stayed broken")
        assert [r[0] for r in _rows(conn)] == ["run-a"]
        error = conn.execute("select error from raw.load_log where run_id = 'run-b'").fetchone()
        assert error == ("RetryableError: page 2 stayed broken",)
        assert conn.execute("select body from raw.quarantine").fetchall() == [('{"resu',)]


def test_a_window_that_went_empty_keeps_its_previous_load(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        _landed(tmp_path, conn, "run-a", '{"results": [1, 2]}', 2)
        empty = _landed(tmp_path, conn, "run-b", '{"results": []}', 0)
        assert empty.emptied_from == 2
        assert [r[0] for r in _rows(conn)] == ["run-a"]
        status = conn.execute("select status from raw.load_log where run_id = 'run-b'").fetchone()
        assert status == ("failed",)


def test_windows() -> None:
    assert Window.for_day("2026-03-23").label == "2026-03-23"
    assert (
        len(days_between(*(Window.for_day(d).start.date() for d in ("2026-03-30", "2026-04-02"))))
        == 4
    )
    with pytest.raises(ValueError):
        days_between(
            Window.for_day("2026-03-02").start.date(), Window.for_day("2026-03-01").start.date()
        )


RECORDS = Endpoint("kore", "rawdata", "$.results[*]", record_rows=True)


def test_an_endpoint_of_record_rows_lands_each_record_as_received(tmp_path: Path) -> None:
    body = '{"results": [ {"Conversation ID": "c-1",  "x": 1.50},\n  "odd" ], "hasMore": false}'
    split = split_records(body, "results", {"hasMore": False})
    load = WindowSpool(RECORDS, WINDOW, "run-a", tmp_path / "spool")
    with pytest.raises(ValueError, match="without its records split out"):
        load.add_page(1, body, records=1, request={"page": 1})
    spool_page(load, Page(1, body, {"page": 1}, records=1, split=split))
    with connect(tmp_path / "w.duckdb") as conn:
        commit_window(conn, load)
        load.discard()
        rows = conn.execute(
            "select page_number, request, page_envelope, payload from raw.kore__rawdata "
            "order by payload"
        ).fetchall()
    assert rows == [
        (1, '{"page": 1}', '{"hasMore": false}', '"odd"'),
        (1, '{"page": 1}', '{"hasMore": false}', '{"Conversation ID": "c-1",  "x": 1.50}'),
    ]


def test_record_pages_keep_their_page_across_chunk_files_and_statements(tmp_path: Path) -> None:
    """Pages of records share chunk files (CHUNK_PAGES to a file, several files to a commit
    statement): each record must still land with its own page's number, request and envelope,
    byte for byte, whatever the pages' sizes, including empty pages and a chunk left part
    full."""
    pages = CHUNK_PAGES * (COMMIT_BATCH_PAGES // CHUNK_PAGES) * 2 + 5
    expected = []
    load = WindowSpool(RECORDS, WINDOW, "run-a", tmp_path / "spool")
    for number in range(1, pages + 1):
        # 0 to 6 records a page, every one unique, spaced as a vendor might.
        records = [f'{{"id": "p{number}-r{index}", "n":{index} }}' for index in range(number % 7)]
        body = '{"results": [' + " ,\n ".join(records) + f'], "page": {number}}}'
        spool_page(
            load,
            Page(
                number,
                body,
                {"page": number},
                records=len(records),
                split=split_records(body, "results", {"page": number}),
            ),
        )
        expected += [(number, f'{{"page": {number}}}', f'{{"page": {number}}}', r) for r in records]
    with connect(tmp_path / "w.duckdb") as conn:
        commit_window(conn, load)
        load.discard()
        rows = conn.execute(
            "select page_number, request, page_envelope, payload from raw.kore__rawdata"
        ).fetchall()
    assert sorted(rows) == sorted(expected)
    assert len(rows) == load.records == sum(n % 7 for n in range(1, pages + 1))


def test_a_warehouse_of_page_rows_is_split_into_record_rows(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        _landed(tmp_path, conn, "run-a", '{"results": [{"id": "a"}, {"id": "b"}], "n": 2}', 2)
        ensure_raw_schema(conn, [RECORDS])
        rows = conn.execute(
            "select run_id, page_number, page_envelope, payload from raw.kore__rawdata "
            "order by payload"
        ).fetchall()
        ensure_raw_schema(conn, [RECORDS])  # a second time changes nothing
        assert conn.execute("select count(*) from raw.kore__rawdata").fetchone() == (2,)
    assert rows == [
        ("run-a", 1, '{"n":2}', '{"id":"a"}'),
        ("run-a", 1, '{"n":2}', '{"id":"b"}'),
    ]


def test_a_window_commit_writes_its_rows_to_the_database_file_not_the_wal(
    tmp_path: Path,
) -> None:
    """Rows written to the WAL at commit are written again by the checkpoint at close; a
    window's commit checkpoints instead, writing them once, and leaves no WAL for the next
    opener. (DuckDB's estimate of a commit grows with its rows: 8,000 are well past the
    threshold.)"""
    database = tmp_path / "w.duckdb"
    wal = tmp_path / "w.duckdb.wal"
    load = WindowSpool(RECORDS, WINDOW, "run-a", tmp_path / "spool")
    for number in range(1, 81):
        records = [f'{{"id": "p{number}-r{index}"}}' for index in range(100)]
        body = '{"results": [' + ",".join(records) + "]}"
        spool_page(
            load, Page(number, body, {}, records=100, split=split_records(body, "results", {}))
        )
    with connect(database) as conn:
        ensure_raw_schema(conn, [RECORDS])
        commit_window(conn, load)
        load.discard()
        assert not wal.exists() or wal.stat().st_size == 0
        assert conn.execute("select count(*) from raw.kore__rawdata").fetchone() == (8000,)
        # A small commit (a ledger row) still goes to the WAL: no checkpoint for each one.
        conn.execute("create table ledger (id varchar primary key)")
        conn.execute("insert into ledger values ('a')")
        assert wal.exists() and wal.stat().st_size > 0


def test_a_run_that_commits_a_window_twice_keeps_one_copy(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        _landed(tmp_path, conn, "run-a", '{"results": [1, 2]}', 2)
        _landed(tmp_path, conn, "run-a", '{"results": [1, 2, 3]}', 3)
        assert _rows(conn) == [("run-a", 1, '{"results": [1, 2, 3]}')]


def test_a_live_spool_is_never_pruned_and_a_dead_one_is(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from pipeline.lib.pull.spool import prune_spools

    root = tmp_path / "spool"
    live = _load(tmp_path, "run-live")
    live.add_page(1, '{"results": [1]}', records=1, request={})
    # A spool left by a process that was killed (its owner lock died with it).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from pathlib import Path\n"
            "from pipeline.lib.raw_schema import Endpoint\n"
            "from pipeline.lib.pull.spool import WindowSpool\n"
            "from pipeline.lib.windows import Window\n"
            "s = WindowSpool(Endpoint('kore', 'rawdata'), Window.for_day('2026-03-22'), 'run-dead',"
            " Path(sys.argv[1]))\n"
            "s.add_page(1, '{}', records=0, request={})\n"
            "os._exit(0)\n",
            str(root),
        ],
        check=True,
    )
    day_old = 2 * 24 * 3600
    for entry in root.iterdir():
        os.utime(entry, (entry.stat().st_atime - day_old, entry.stat().st_mtime - day_old))
    prune_spools(root)
    assert [p.name for p in root.iterdir()] == [live.path.name]
    live.discard()


def test_a_failure_whose_quarantine_cannot_be_stored_still_logs_the_load(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        load = _load(tmp_path, "run-a")
        load.add_page(1, '{"results": [1]}', records=1, request={})
        load.quarantine("page 2: invalid JSON", '{"resu')
        load.quarantine_lines.write_text("this is not the NDJSON the spool writes\n")
        with pytest.raises(Exception, match="JSON"):
            fail_window(conn, load, "RetryableError: page 2 stayed broken")
        (status, error) = conn.execute("select status, error from raw.load_log").fetchone()
        assert status == "failed"
        assert error.startswith("RetryableError: page 2 stayed broken; its 1 quarantined")


@pytest.mark.parametrize("kind", [bytes, str])
def test_only_lone_surrogate_escapes_change_in_a_body(kind) -> None:
    """A lone surrogate escape becomes the text of its escape; a pair, an escaped backslash
    before `u` and a body with no escape at all stay as they are (the last one untouched, the
    same object: most pages skip the scan)."""
    from pipeline.lib.json_text import escape_lone_surrogates

    def as_kind(text: str):
        return text.encode() if kind is bytes else text

    plain = as_kind('{"results": [{"id": "c-1", "note": "caf\\u00e9 \\\\u0041"}]}')
    assert escape_lone_surrogates(plain)[0] is plain
    assert escape_lone_surrogates(plain)[1] == 0
    body = as_kind(r'["\ud83d", "\uD83D\uDE00", "\\ud83d", "\udc00 \ud800x"]')
    escaped, count = escape_lone_surrogates(body)
    assert count == 3
    assert escaped == as_kind(r'["\\ud83d", "\uD83D\uDE00", "\\ud83d", "\\udc00 \\ud800x"]')
