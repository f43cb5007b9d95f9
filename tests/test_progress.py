"""What `run` and `demo` print off a terminal: one line per finished step out of a total known
from the start, a line now and then while a long step works, and waiting that is no step."""

from __future__ import annotations

import io
import threading

from rich.console import Console

from pipeline.lib.vendor import Vendor
from pipeline.progress import LineProgress, LiveProgress
from pipeline.runner import SETTLE_POLL_SECONDS, wait_for_analyses
from pipeline.vendors import VENDORS


class _Lines(io.StringIO):
    """The console's output, telling a waiter when a line arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Condition()

    def write(self, text: str) -> int:
        with self.arrived:
            written = super().write(text)
            self.arrived.notify_all()
        return written

    def wait_for(self, text: str) -> bool:
        with self.arrived:
            # The limit only guards against a hang; the heartbeat comes when it comes.
            return self.arrived.wait_for(lambda: text in self.getvalue(), timeout=120)


def test_a_long_step_says_it_is_still_working_and_stops_saying_so_when_done() -> None:
    out = _Lines()
    progress = LineProgress(Console(file=out, width=200), heartbeat_seconds=0.01)
    progress.planned(2)
    progress.started("voxxi 2026-03-01")
    assert out.wait_for("voxxi 2026-03-01: still working")
    progress.finished("voxxi 2026-03-01", records=7)
    after = out.getvalue()
    assert after.rstrip().endswith("[1/2] voxxi 2026-03-01: 7 records"), after
    progress.note("waiting for the analyses of voxxi (2 s so far)")
    progress.started("dbt build and publish")
    progress.finished("dbt build and publish")
    progress.close()
    lines = out.getvalue()[len(after) :].splitlines()
    assert lines[0] == "  waiting for the analyses of voxxi (2 s so far)"
    assert "[2/2] dbt build and publish: ok" in lines


def _kore_failed(steps: int, failure: str) -> tuple[_Lines, LineProgress]:
    """A progress off a terminal, with `steps` planned and the first one failed by Kore."""
    out = _Lines()
    progress = LineProgress(Console(file=out, width=200), heartbeat_seconds=3600)
    progress.planned(steps)
    progress.started("kore 2026-03-01")
    progress.finished("kore 2026-03-01", failure=failure)
    return out, progress


def test_a_quick_step_has_no_heartbeat() -> None:
    out, progress = _kore_failed(1, "HTTP 500 from Kore\ndetails")
    progress.close()
    assert out.getvalue() == "[1/1] kore 2026-03-01: failed: HTTP 500 from Kore\n"


def test_a_step_that_was_not_needed_counts_and_says_why() -> None:
    out, progress = _kore_failed(2, "HTTP 401")
    progress.skipped("dbt build and publish", "nothing landed")
    progress.close()
    assert out.getvalue().splitlines()[-1] == "[2/2] dbt build and publish: skipped: nothing landed"


def test_the_terminal_bar_counts_a_skipped_step_and_prints_why() -> None:
    out = io.StringIO()
    progress = LiveProgress(Console(file=out, width=200, force_terminal=True))
    progress.planned(1)
    progress.skipped("dbt build and publish", "nothing landed")
    progress.close()
    assert "dbt build and publish: skipped: nothing landed" in out.getvalue()
    assert "1/1" in out.getvalue()


class _Clock:
    """A clock that moves only when the code under test sleeps (or a test moves it)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _vendor(name: str) -> Vendor:
    return next(v for v in VENDORS if v.name == name)


def test_the_wait_for_analyses_counts_from_its_own_start_not_the_runs() -> None:
    # The first pass took long (a busy machine): the clock is far past any run start, and
    # the wait still polls until the vendor has finished.
    clock = _Clock(now=10_000.0)
    voxxi = _vendor("voxxi")
    answers = iter([[voxxi], [voxxi], []])
    polled: list[str] = []
    notes: list[str] = []

    def poll(vendor: Vendor) -> bool:
        polled.append(vendor.name)
        return True

    left = wait_for_analyses(
        [voxxi],
        60.0,
        unfinished=lambda waiting: next(answers),
        poll=poll,
        note=notes.append,
        clock=clock,
        sleep=clock.sleep,
    )
    assert left == []
    assert polled == ["voxxi", "voxxi"]
    assert clock.slept == [SETTLE_POLL_SECONDS, SETTLE_POLL_SECONDS]
    assert notes == ["waiting for the analyses of voxxi (0 s so far)"]


def test_the_wait_for_analyses_ends_at_its_limit_and_drops_a_failed_poll() -> None:
    clock = _Clock(now=0.0)
    voxxi, exotel = _vendor("voxxi"), _vendor("exotel")
    polled: list[str] = []

    def poll(vendor: Vendor) -> bool:
        polled.append(vendor.name)
        return vendor is voxxi  # Exotel's poll fails: it is not polled again.

    left = wait_for_analyses(
        [voxxi, exotel],
        7.0,
        unfinished=lambda waiting: list(waiting),
        poll=poll,
        clock=clock,
        sleep=clock.sleep,
    )
    assert left == [voxxi]
    assert polled == ["voxxi", "exotel", "voxxi", "voxxi", "voxxi"]
    # Polls at 0, 2, 4 and 6 s; at 8 s the 7 s are over.
    assert clock.now == 8.0
