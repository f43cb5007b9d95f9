"""Dagster's own processes on loopback, started the way a deployment starts them: the
webserver (what the UI talks to) and the daemon (schedules, sensors, backfills, run queue),
both with an instance directory holding the project's dagster.yaml."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.waiting import StillWaiting, wait_until

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def instance_home(directory: Path) -> Path:
    """A DAGSTER_HOME with the project's instance configuration."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", directory / "dagster.yaml")
    return directory


# What a prepared dbt target holds: the manifest, dbt's parse state and what it was parsed for.
_PARSE_STATE = ("manifest.json", "partial_parse.msgpack", "qa_parsed_for.json")


def _environment(home: Path, env: Mapping[str, str]) -> dict[str, str]:
    """A dbt target of the instance's own (two processes never write one), starting as a copy
    of the test process's: a service on the same warehouse needs no parse of its own."""
    own = home / "dbt-target"
    if not own.exists():
        own.mkdir(parents=True)
        prepared = ROOT / "dbt_project" / os.environ.get("QA_DBT_TARGET_PATH", "target")
        for name in _PARSE_STATE:
            if (prepared / name).exists():
                # copy2 keeps the manifest's time, by which staleness is judged.
                shutil.copy2(prepared / name, own / name)
    return {**os.environ, "QA_DBT_TARGET_PATH": str(own), **env, "DAGSTER_HOME": str(home)}


@contextmanager
def _process(args: list[str], home: Path, env: Mapping[str, str], log: Path) -> Iterator[Any]:
    with open(log, "wb") as output:
        process = subprocess.Popen(
            args, cwd=home, env=_environment(home, env), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def webserver(home: Path, env: Mapping[str, str]) -> Iterator[str]:
    port = free_port()
    args = [
        str(BIN / "dagster-webserver"),
        *("-h", "127.0.0.1", "-p", str(port), "-w", str(ROOT / "workspace.yaml")),
    ]
    with _process(args, home, env, home / "webserver.log") as process:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return httpx.get(f"{url}/server_info", timeout=10).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_until(answers, "dagster-webserver to answer", process=process, interval=0.5)
        except StillWaiting as exc:
            raise RuntimeError(f"{exc}: {(home / 'webserver.log').read_text()[-3000:]}") from None
        yield url


@contextmanager
def daemon(home: Path, env: Mapping[str, str]) -> Iterator[None]:
    args = [str(BIN / "dagster-daemon"), "run", "-w", str(ROOT / "workspace.yaml")]
    with _process(args, home, env, home / "daemon.log") as process:
        # Up when every daemon of the instance has sent its first heartbeat.
        from dagster import DagsterInstance

        # The instance as the daemon sees it: its storage may be named by the environment
        # the daemon was given (DAGSTER_POSTGRES_URL), not this process's.
        saved = dict(os.environ)
        os.environ.update(_environment(home, env))
        try:
            instance = DagsterInstance.from_config(str(home))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        with instance:

            def beating() -> bool:
                heartbeats = instance.get_daemon_heartbeats()
                return bool(heartbeats) and set(instance.get_required_daemon_types()) <= set(
                    heartbeats
                )

            try:
                wait_until(beating, "every daemon's first heartbeat", process=process, interval=0.5)
            except StillWaiting as exc:
                raise RuntimeError(f"{exc}: {(home / 'daemon.log').read_text()[-3000:]}") from None
        yield


def graphql(url: str, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One request to the webserver's GraphQL API, the API the UI itself uses."""
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": dict(variables or {})}, timeout=120
    )
    if response.status_code != 200:
        text = response.text
        status = response.status_code
        raise RuntimeError(f"GraphQL answered {status}: {text[:1500]} … {text[-500:]}")
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]
