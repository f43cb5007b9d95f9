"""What a person sees while `run` and `demo` work: one step per vendor and day (and the
vendors' once-a-run work, and the build), with records and failures so far. A live display on
a terminal; plain lines, one per finished step, when the output is a file or a pipe."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class RunProgress(Protocol):
    def planned(self, steps: int) -> None: ...

    def started(self, step: str) -> None: ...

    def finished(
        self, step: str, *, records: int | None = None, failure: str | None = None
    ) -> None: ...

    def skipped(self, step: str, reason: str) -> None:
        """A planned step that turned out not to be needed, and why."""
        ...

    def note(self, text: str) -> None:
        """A line that is not a step (waiting for a vendor's analyses)."""
        ...

    def close(self) -> None: ...


# Off a terminal, how often a step still under way says so: a pipe or a log that stays
# silent for half a minute looks hung.
HEARTBEAT_SECONDS = 10.0


class LineProgress:
    """One line per finished step."""

    def __init__(self, console: Console, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.console = console
        self.heartbeat_seconds = heartbeat_seconds
        self.done = self.total = self.records = self.failures = 0
        self._step_done = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def planned(self, steps: int) -> None:
        self.total += steps

    def started(self, step: str) -> None:
        self._step_done = threading.Event()
        self._heartbeat = threading.Thread(
            target=self._beat, args=(step, self._step_done), daemon=True
        )
        self._heartbeat.start()

    def _beat(self, step: str, done: threading.Event) -> None:
        began = time.monotonic()
        while not done.wait(self.heartbeat_seconds):
            self._line(f"  ... {step}: still working ({time.monotonic() - began:.0f} s)")

    def _stop_heartbeat(self) -> None:
        self._step_done.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None

    def note(self, text: str) -> None:
        self._stop_heartbeat()
        self._line(f"  {text}")

    def finished(
        self, step: str, *, records: int | None = None, failure: str | None = None
    ) -> None:
        self._stop_heartbeat()
        self.done += 1
        self.records += records or 0
        where = f"[{self.done}/{max(self.total, self.done)}] {step}"
        if failure is not None:
            self.failures += 1
            first = failure.strip().splitlines()[0] if failure.strip() else "failed"
            self._line(f"{where}: failed: {first}")
        else:
            self._line(f"{where}: {f'{records} records' if records is not None else 'ok'}")

    def skipped(self, step: str, reason: str) -> None:
        self._stop_heartbeat()
        self.done += 1
        self._line(f"[{self.done}/{max(self.total, self.done)}] {step}: skipped: {reason}")

    def _line(self, text: str) -> None:
        # Whole lines, never wrapped at the console's width: a file or a pipe has none.
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        self._stop_heartbeat()


class LiveProgress:
    """A progress bar on a terminal: the step under way, records and failures so far."""

    def __init__(self, console: Console) -> None:
        self.records = self.failures = 0
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[records]} records, {task.fields[failures]} failed"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task = self._progress.add_task("starting", total=0, records=0, failures=0)
        self._progress.start()

    def planned(self, steps: int) -> None:
        task = self._progress.tasks[0]
        self._progress.update(self._task, total=(task.total or 0) + steps)

    def started(self, step: str) -> None:
        self._progress.update(self._task, description=step)

    def finished(
        self, step: str, *, records: int | None = None, failure: str | None = None
    ) -> None:
        self.records += records or 0
        if failure is not None:
            self.failures += 1
            first = failure.strip().splitlines()[0] if failure.strip() else "failed"
            self._progress.console.print(f"{step}: failed: {first}", markup=False)
        self._progress.update(self._task, advance=1, records=self.records, failures=self.failures)

    def skipped(self, step: str, reason: str) -> None:
        self._progress.console.print(f"{step}: skipped: {reason}", markup=False)
        self._progress.update(self._task, advance=1)

    def note(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def close(self) -> None:
        self._progress.update(self._task, description="done")
        self._progress.stop()


def progress_for(console: Console) -> RunProgress:
    return LiveProgress(console) if console.is_terminal else LineProgress(console)
