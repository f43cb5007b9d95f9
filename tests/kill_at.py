"""Run a job in this process and SIGKILL the process when a chosen function is called for the
Nth time: a real kill at an exact step, for the tests of what survives one.

    python tests/kill_at.py <job> <module>:<name or Class.method> <n>

Exits 3 when the step was never reached (the process was not killed).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys


def main() -> None:
    job, target, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    module_name, _, name = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, attribute = name.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, attribute)
    calls = 0

    def killed_on_the_nth_call(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, attribute, killed_on_the_nth_call)

    from dagster import DagsterInstance

    from pipeline.build import build_defs

    with DagsterInstance.ephemeral() as instance:
        build_defs().resolve_job_def(job).execute_in_process(
            instance=instance, raise_on_error=False
        )
    sys.exit(3)


if __name__ == "__main__":
    main()
