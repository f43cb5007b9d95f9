"""Raw landing: pages as received, window replacement in one transaction, crash safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lib.landing import Endpoint, WindowLoad, connect
from pipeline.lib.windows import Window, days_between

ENDPOINT = Endpoint("kore", "rawdata")
WINDOW = Window.for_day("2026-03-23")


def _rows(conn) -> list[tuple]:
    return conn.execute(
        "select run_id, page_number, payload from raw.kore__rawdata order by run_id, page_number"
    ).fetchall()


def test_pages_are_stored_exactly_as_received(tmp_path: Path) -> None:
    body = '{"results": [ {"Conversation ID": "c-1",  "x": 1.50} ],\n "hasMore": false}'
    with connect(tmp_path / "w.duckdb") as conn:
        load = WindowLoad(conn, ENDPOINT, WINDOW, "run-a")
        load.add_page(1, body, records=1, request={"page": 1})
        load.finish()
        assert _rows(conn) == [("run-a", 1, body)]


def test_a_rerun_replaces_the_window_and_a_killed_run_leaves_nothing_visible(
    tmp_path: Path,
) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        first = WindowLoad(conn, ENDPOINT, WINDOW, "run-a")
        first.add_page(1, '{"results": []}', records=0, request={})
        first.finish()
        # run-b is killed after one page: it never reaches finish().
        killed = WindowLoad(conn, ENDPOINT, WINDOW, "run-b")
        killed.add_page(1, '{"results": [1]}', records=1, request={})
        statuses = dict(conn.execute("select run_id, status from raw.load_log").fetchall())
        assert statuses == {"run-a": "success", "run-b": "running"}

        third = WindowLoad(conn, ENDPOINT, WINDOW, "run-c")
        third.add_page(1, '{"results": [2]}', records=1, request={})
        third.add_page(2, '{"results": [3]}', records=1, request={})
        third.finish()
        assert [r[0] for r in _rows(conn)] == ["run-c", "run-c"]


def test_a_failed_run_keeps_the_last_good_load(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        good = WindowLoad(conn, ENDPOINT, WINDOW, "run-a")
        good.add_page(1, '{"results": [1]}', records=1, request={})
        good.finish()
        bad = WindowLoad(conn, ENDPOINT, WINDOW, "run-b")
        bad.add_page(1, '{"results": [2]}', records=1, request={})
        bad.quarantine("page 2: invalid JSON", '{"resu')
        bad.fail("RetryableError: page 2 stayed broken")
        assert [r[0] for r in _rows(conn)] == ["run-a"]
        error = conn.execute("select error from raw.load_log where run_id = 'run-b'").fetchone()
        assert error == ("RetryableError: page 2 stayed broken",)
        assert conn.execute("select body from raw.quarantine").fetchall() == [('{"resu',)]


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
