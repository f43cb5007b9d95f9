"""What every simulated vendor is, and how the sandbox finds them.

A simulator is a dataclass in a module of this package that names it `SIMULATOR`: the
vendor's name as the pipeline's registry spells it, a path prefix, its routes, the variables
that point the pipeline at it, and a reset to how it starts. The server serves every one it
finds, so a new vendor's simulator is one module and nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import threading
from datetime import UTC, datetime
from typing import Any, ClassVar

from starlette.routing import BaseRoute


class Clock:
    """The sandbox's one clock: real time, unless a test sets it (a day long gone, say)."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Naive UTC, as the simulators keep time."""
        with self._lock:
            if self._fixed is not None:
                return self._fixed
        return datetime.now(UTC).replace(tzinfo=None)

    def set(self, moment: datetime | None) -> None:
        with self._lock:
            self._fixed = moment


class Simulator:
    """The part every simulator shares. Subclasses are dataclasses whose field defaults are
    how the vendor starts."""

    name: ClassVar[str]
    prefix: ClassVar[str]
    # Fields a reset leaves alone: what the server wired in, and what is still at work.
    keep_on_reset: ClassVar[frozenset[str]] = frozenset({"_lock", "base_url"})
    # Set by the server: the sandbox's clock, and where this simulator is served.
    clock: Clock
    base_url: str

    # Every credential it was sent (keys, tokens, Basic headers, callback signatures), kept so
    # that a test can look for each of them where no credential may show. Subclasses declare it
    # as a field (`field(default_factory=set)`), so a reset empties it.
    credentials_seen: set[str]

    def saw(self, credential: str | None) -> None:
        if credential:
            self.credentials_seen.add(credential)

    def routes(self) -> list[BaseRoute]:
        raise NotImplementedError

    def env(self, base_url: str) -> dict[str, str]:
        """The variables that point the pipeline at this simulator."""
        raise NotImplementedError

    def unlimited_env(self) -> dict[str, str]:
        """The pipeline's own budget for this vendor, lifted."""
        return {}

    def remove_rate_limits(self) -> None:
        """The vendor's limits switched off (the demo, the benchmark, most tests)."""

    def for_demo(self) -> None:
        """What the demo shows beyond the defaults the tests start from (human reviews of
        AI scores, say)."""

    def reset(self) -> None:
        """Back to how it starts: every field to its default but `keep_on_reset`."""
        for spec in dataclasses.fields(self):  # type: ignore[arg-type]
            if spec.name in self.keep_on_reset:
                continue
            if spec.default is not dataclasses.MISSING:
                setattr(self, spec.name, spec.default)
            elif spec.default_factory is not dataclasses.MISSING:
                setattr(self, spec.name, spec.default_factory())


def discover() -> list[type[Any]]:
    """Every simulator class of this package (a module's `SIMULATOR`), by name."""
    import qa_sandbox

    found = []
    for info in pkgutil.iter_modules(qa_sandbox.__path__):
        module = importlib.import_module(f"qa_sandbox.{info.name}")
        simulator = getattr(module, "SIMULATOR", None)
        if simulator is not None:
            found.append(simulator)
    return sorted(found, key=lambda simulator: simulator.name)
