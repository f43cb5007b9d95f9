"""A PostgreSQL cluster of the test's own: Debian's server binaries, a new data folder, a free
loopback port, started and stopped here (never the machine's own cluster)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.dagster_services import free_port


def server_bin() -> Path | None:
    """Debian's PostgreSQL server binaries (`make test` installs the package when missing)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_owner(args: list[str]) -> list[str]:
    # The server refuses to run as root: as root, it runs as Debian's `postgres` user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A running cluster with a database `dagster`; yields its URL."""
    binaries = server_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL's server is not installed: run `make postgres`")
    # Not under pytest's own tmp folder: the server's user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="qa-postgres-", dir="/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, log, port = folder / "data", folder / "server.log", free_port()
    subprocess.run(
        _as_owner(
            [str(binaries / "initdb"), "-D", str(data), "-U", "qa", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w"]
    subprocess.run(_as_owner([*start, "start"]), check=True, capture_output=True)
    try:
        subprocess.run(
            [
                str(binaries / "psql"),
                f"postgresql://qa@127.0.0.1:{port}/postgres",
                "-qc",
                "create database dagster",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://qa@127.0.0.1:{port}/dagster"
    finally:
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
