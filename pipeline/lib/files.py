"""Who may read what the pipeline writes: files holding vendor data are their owner's alone
(the warehouse and its WAL, the webhook journal, spools, logs, rate state); what is written
for readers (the analyst copy, its report, the Parquet marts) is readable by every user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """From now on this process (and what it starts: dbt) creates files and folders that only
    their owner can read (umask 077). Called where a process of the project starts: the
    command line, the Dagster code location, the receiver."""
    os.umask(PRIVATE_UMASK)


def for_readers(path: Path, *, writable: bool = True) -> None:
    """A file, or a folder and its path down to it, that every user may read (and enter)."""
    owner = stat.S_IWUSR if writable else 0
    everyone_reads = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    if path.is_dir():
        path.chmod(everyone_reads | owner | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    else:
        path.chmod(everyone_reads | owner)


def readable_folder(path: Path) -> Path:
    """`path`, a folder of what is published for readers, made one every user may read and
    enter, and created with its missing parents the same way. What else it holds keeps its
    own mode (by default the warehouse sits beside the analyst copy, private)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in {path, *missing}:
        for_readers(folder)
    return path
