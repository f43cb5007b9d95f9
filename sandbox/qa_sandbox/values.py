"""Values a vendor may send that JSON allows and tools downstream of it may not, served on
demand in a field of every record a simulator renders (a field the pipeline never reads).

Some of them cannot be made by `json.dumps` (a lone surrogate escape it writes only from a
broken string; nesting thousands deep it refuses), so a record carries a marker, and the
marker's JSON is replaced in the encoded body by the value's JSON text as a vendor sends it.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

MARKER = "__qa_sandbox_odd_value__"
_MARKER_JSON = f'"{MARKER}"'.encode()
# The field that carries it: no staging model reads it.
FIELD = "vendor_free_text"

# Each value as the JSON text that stands in the body.
ODD_VALUES: dict[str, bytes] = {
    # Half of an emoji, cut off (JSON allows it; DuckDB, orjson and UTF-8 do not).
    "lone_surrogate": rb'"cut short: \ud83d"',
    # Line and paragraph separators inside a string, raw in UTF-8, and a form feed.
    "line_separator": '"one\u2028two\u2029three\\ffour"'.encode(),
    "nul": rb'"before\u0000after"',
    "long_field": b'"' + b"x" * 200_000 + b'"',
    "deep_nesting": b"[" * 5_000 + b"]" * 5_000,
}


class OddValues:
    """Which odd values a simulator puts in its records: none by default; `serve(...)` takes
    names of `ODD_VALUES`, given out to records in turn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: tuple[str, ...] = ()
        self._turn: itertools.cycle[str] | None = None
        self.served: dict[str, int] = {}

    def serve(self, *names: str) -> None:
        for name in names:
            if name not in ODD_VALUES:
                raise ValueError(f"unknown value {name!r}; one of {tuple(ODD_VALUES)}")
        with self._lock:
            self._names = names
            self._turn = itertools.cycle(names) if names else None
            self.served = dict.fromkeys(names, 0)

    def reset(self) -> None:
        self.serve()

    @property
    def active(self) -> bool:
        return bool(self._names)

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with the marker in its free-text field, when values are served."""
        if not self.active:
            return record
        return {**record, FIELD: MARKER}

    def body(self, body: bytes) -> bytes:
        """The encoded body with each marker replaced by the next value's JSON text."""
        if not self.active or _MARKER_JSON not in body:
            return body
        pieces = body.split(_MARKER_JSON)
        out = [pieces[0]]
        with self._lock:
            assert self._turn is not None
            for piece in pieces[1:]:
                name = next(self._turn)
                self.served[name] += 1
                out.extend((ODD_VALUES[name], piece))
        return b"".join(out)
