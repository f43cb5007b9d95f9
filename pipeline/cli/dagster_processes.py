"""Dagster's webserver and daemon for `qa-warehouse dev`, the way a deployment runs them (two
services on one instance), in a process group of their own: a stop (Ctrl-C, or SIGTERM from
`make`, a terminal closing or a supervisor) ends both and every process they started, such as
their code servers. Their logs go to a file; the terminal gets a line when the UI answers."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType

import httpx

BIN = Path(sys.executable).parent
# After SIGTERM, how long the services get to finish before the group is killed.
STOP_GRACE_SECONDS = 30.0


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived: stop as on Ctrl-C."""


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped` in the main thread, whatever the disposition this
    process inherited (a parent that ignores SIGTERM passes that on through exec)."""
    signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_group(group: int, processes: list[subprocess.Popen[bytes]]) -> None:
    # A second Ctrl-C or SIGTERM while stopping must not leave the group half stopped.
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stops}
    try:
        _terminate_then_kill(group, processes)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _terminate_then_kill(group: int, processes: list[subprocess.Popen[bytes]]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    # What is left of the group (a code server that ignored SIGTERM, a child of a child).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    for process in processes:
        process.wait()


def _announce_when_up(
    url: str, processes: list[subprocess.Popen[bytes]], say: Callable[[str], None]
) -> None:
    while all(process.poll() is None for process in processes):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                say(f"The Dagster UI is up on {url}.")
                return
        time.sleep(0.5)


def serve_dagster(
    workspace: Path,
    port: int,
    env: Mapping[str, str],
    log_path: Path,
    verbose: bool,
    say: Callable[[str], None],
) -> int:
    """Runs the webserver and the daemon until a stop or until one of them exits; returns the
    exit status of the first to exit (0 after a stop)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    commands = [
        [
            str(BIN / "dagster-webserver"),
            *("-h", "127.0.0.1", "-p", str(port), "-w", str(workspace)),
        ],
        [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
    ]
    processes: list[subprocess.Popen[bytes]] = []
    with contextlib.ExitStack() as stack:
        output = None if verbose else stack.enter_context(log_path.open("ab"))
        stack.enter_context(stop_on_signals())
        group = 0
        try:
            for command in commands:
                processes.append(
                    subprocess.Popen(
                        command,
                        env={**env, "NO_COLOR": "1"} if output else dict(env),
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT if output else None,
                        # The first starts the group; Ctrl-C in the terminal reaches only us,
                        # and we stop the group as a whole.
                        process_group=group,
                    )
                )
                group = group or processes[0].pid
            threading.Thread(
                target=_announce_when_up,
                args=(f"http://127.0.0.1:{port}", processes, say),
                daemon=True,
            ).start()
            while True:
                for process in processes:
                    if process.poll() is not None:
                        name = Path(str(process.args[0])).name
                        say(f"{name} exited ({process.returncode}); see {log_path}")
                        return process.returncode or 1
                time.sleep(0.5)
        except (KeyboardInterrupt, Stopped):
            say("Stopping the Dagster UI and daemon...")
            return 0
        finally:
            if group:
                _stop_group(group, processes)
