"""`make bench` end to end on tiny windows: every measurement runs and the report holds
together. Its speed targets live in the benchmark itself, never here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# End to end and long: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_the_bench_runs_every_measurement_and_writes_its_report(tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--sizes",
            "300,700",
            # One round where the bench needs no median to test, its builds being the
            # dearest part: the quick window gets more, and both are kept and reported.
            "--rounds",
            "1",
            "--quick-rounds",
            "2",
            "--quick-window",
            "300",
            "--history",
            "1,2",
            # dlt (an optional extra) only runs on a window the bench measures: not this time.
            "--dlt-size",
            "1",
            "--results",
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads((results / "latest.json").read_text())
    assert sorted(report["sizes"]) == ["300", "700"]
    assert report["rounds_by_size"] == {"300": 2, "700": 1}
    for size, rounds in report["rounds_by_size"].items():
        for key in ("ours", "floor", "sandbox"):
            assert len(report["sizes"][size]["raw"][key]) == rounds, (size, key)
    assert "medians of interleaved rounds (2 at 300 records; 1 at 700 records)" in done.stdout
    assert "Where dbt build's time went" in done.stdout
    for size, row in report["sizes"].items():
        # Every record of the window landed, and each path has a rate, a memory and a ratio.
        assert row["records"] == int(size)
        for key in ("ours", "floor", "sandbox"):
            assert row[f"{key}_records_per_second"] > 0, key
        assert row["ours_peak_rss_mb"] > 0 and row["floor_peak_rss_mb"] > 0
        assert row["landing_vs_floor"] == (
            row["ours_records_per_second"] / row["floor_records_per_second"]
        )
        assert 0 < row["sequential_limit"] < 1
        # CPU time is counted for each path, the sandbox's share apart, and the two ceilings
        # follow from it: more CPU than the bare fetch and the floor together means a lower
        # ceiling than the bare one.
        for key in ("ours", "fetch", "floor"):
            assert row[f"{key}_cpu_seconds"] > 0, key
        for key in ("ours", "fetch"):
            assert row[f"{key}_sandbox_cpu_seconds"] > 0, key
        ours_cpu = row["ours_cpu_seconds"] + row["ours_sandbox_cpu_seconds"]
        least_cpu = (
            row["fetch_cpu_seconds"] + row["fetch_sandbox_cpu_seconds"] + row["floor_cpu_seconds"]
        )
        assert (row["overlap_limit"] < row["cpu_limit"]) == (ours_cpu > least_cpu)
        assert row["dbt_build_seconds"] > 0 and row["hand_sql_seconds"] > 0
        # Where dbt's time went: its nodes ran within the build, each kind counted.
        split = row["dbt_split"]
        assert 0 < split["dbt_nodes_seconds"] < row["dbt_build_seconds"]
        assert split["dbt_model_count"] > 0 and split["dbt_test_count"] > 0
        assert split["dbt_model_seconds"] > 0 and split["dbt_test_seconds"] > 0
        assert len(row["raw"]["dbt"]) == report["rounds"]
    for days in ("1", "2"):
        cost = report["new_day"][days]
        assert cost["total_seconds"] == cost["landing_seconds"] + cost["dbt_seconds"]
    targets = report["targets"]
    assert set(targets) == {
        "landing_vs_floor",
        "dbt_vs_hand_largest",
        "new_day_long_vs_short",
        "vs_dlt_best",
    }
    assert targets["vs_dlt_best"]["measured"] is None
    # The printed table is the stored one, and --report prints it again the same way.
    assert "Targets:" in done.stdout
    assert "CPU limit" in done.stdout
    assert "dlt: not measured (" in done.stdout
    again = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--report", str(results / "latest.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout.splitlines()[2:] == done.stdout.splitlines()[2:]
