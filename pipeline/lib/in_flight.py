"""Independent requests in flight together, their results in order: a vendor's detail GETs
go on while one of them hangs, and what lands does not depend on which answered first."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


# Items started but not yet taken, per worker: while one item hangs (a request waiting for
# its timeout), the other workers go on with the items after it, this many each, before the
# walk waits for the hung one. Bounds what is held in memory.
AHEAD_PER_WORKER = 4


def in_order(work: Callable[[T], R], items: Iterable[T], at_once: int, name: str) -> Iterator[R]:
    """`work(item)` for every item, at most `at_once` of them running together on worker
    threads (the vendor's rate budget still paces each request), yielded in the items' order.
    Up to `at_once * AHEAD_PER_WORKER` items are started ahead of the one awaited, so the
    workers go on past one that hangs and while the consumer spools. A consumer that stops
    early (an error) lets the work in flight finish and starts no more; an exception of
    `work` is raised where its result is taken."""
    if at_once <= 1:
        for item in items:
            yield work(item)
        return
    remaining = iter(items)
    pending: deque[Future[R]] = deque()
    pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix=name)
    try:
        for item in remaining:
            pending.append(pool.submit(work, item))
            if len(pending) == at_once * AHEAD_PER_WORKER:
                break
        while pending:
            done = pending.popleft()
            following = next(remaining, _END)
            if following is not _END:
                pending.append(pool.submit(work, following))  # type: ignore[arg-type]
            yield done.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()
