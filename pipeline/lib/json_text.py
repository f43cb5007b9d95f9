"""JSON text from outside (vendor bodies, webhooks, inbox rows), made safe to store and to read.

JSON allows two things that the tools downstream of it do not:

- **A lone surrogate escape** (`"\\ud83d"`, half of an emoji cut in two). Python's `json`
  reads it into a string that cannot be encoded as UTF-8; orjson, msgspec and DuckDB's JSON
  type refuse it, so one such value in a field nobody reads used to fail a whole day. Here it
  becomes the text of its escape (`"\\\\ud83d"`, six characters a reader sees as they were
  sent): the only change made to a body, counted, and said in the load log. A surrogate pair
  (a whole emoji) is left as it is.
- **Nesting deeper than Python's parsers go** (about a thousand levels). DuckDB reads such a
  value; Python only needs the shallow fields the clients steer by. `loads` keeps a value
  nested deeper than `MAX_PARSED_DEPTH` as its JSON text (`UnparsedJson`), and
  `array_elements` / `object_members` cut a document apart without parsing what they skip.

What a vendor sent is otherwise stored byte for byte.
"""

from __future__ import annotations

import json
import re
from typing import Any, overload

import orjson

# Values nested deeper than this are kept as their JSON text: far beyond any QA document, far
# below the depth at which pydantic or `json.dumps` would recurse out of the stack.
MAX_PARSED_DEPTH = 128

# A run of backslashes, then `u` and a surrogate's four hex digits. The escape is real when
# the run is odd (an even run is escaped backslashes followed by the letter `u`).
_SURROGATE_ESCAPE = re.compile(rb"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE_ESCAPE_TEXT = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE_CHAR = re.compile("[\ud800-\udfff]")


class UnparsedJson(str):
    """The JSON text of a value nested too deep to parse, as it was sent. A client that reads
    only shallow fields goes on; one that needs this value finds text, not a structure."""

    __slots__ = ()


class JsonTextError(ValueError):
    """Not JSON: the message says what and where."""


@overload
def escape_lone_surrogates(data: bytes) -> tuple[bytes, int]: ...
@overload
def escape_lone_surrogates(data: str) -> tuple[str, int]: ...
def escape_lone_surrogates(data: bytes | str) -> tuple[bytes | str, int]:
    """`data` (JSON text) with each lone surrogate escape written as the text of its escape,
    and how many there were. Everything else, surrogate pairs included, is left as it is."""
    # Every escape of a surrogate starts `\ud` or `\uD`: a substring search (C, the speed
    # of memory) spares nearly every body the pattern's scan, four times the cost of parsing
    # the page with orjson (bench/DIARY.md, 2026-12-08).
    if isinstance(data, bytes):
        if b"\\ud" not in data and b"\\uD" not in data:
            return data, 0
        pattern = _SURROGATE_ESCAPE
    else:
        if "\\ud" not in data and "\\uD" not in data:
            return data, 0
        pattern = _SURROGATE_ESCAPE_TEXT
    matches = [m for m in pattern.finditer(data) if len(m.group(1)) % 2 == 1]  # type: ignore[arg-type]
    if not matches:
        return data, 0
    lone: list[Any] = []
    index = 0
    while index < len(matches):
        match = matches[index]
        high = int(match.group(2), 16) < 0xDC00
        following = matches[index + 1] if index + 1 < len(matches) else None
        if (
            high
            and following is not None
            and following.start() == match.end()
            and len(following.group(1)) == 1
            and int(following.group(2), 16) >= 0xDC00
        ):
            index += 2  # a pair: one character, kept
            continue
        lone.append(match)
        index += 1
    if not lone:
        return data, 0
    backslash = b"\\" if isinstance(data, bytes) else "\\"
    pieces: list[Any] = []
    last = 0
    for match in lone:
        # The `u` of the escape sits right after the run: one more backslash before it makes
        # the escape's own backslash a literal one.
        at = match.start(2) - 1
        pieces.extend((data[last:at], backslash))
        last = at
    pieces.append(data[last:])
    return data[:0].join(pieces), len(lone)


def storable_text(text: str) -> str:
    """`text` as a string any UTF-8 store holds: a surrogate code point (what Python's `json`
    makes of a lone surrogate escape) becomes the text of its escape."""
    if not _SURROGATE_CHAR.search(text):
        return text
    return _SURROGATE_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(value: Any, **options: Any) -> str:
    """JSON text of a value read from outside, in a form DuckDB's JSON type accepts
    (`options` as for `json.dumps`)."""
    return escape_lone_surrogates(storable_text(json.dumps(value, **options)))[0]


def loads(data: bytes | str, *, keep_deep: bool = True) -> Any:
    """Parse JSON from outside. Lone surrogate escapes are read as their text; values nested
    deeper than `MAX_PARSED_DEPTH` come back as `UnparsedJson`, or with `keep_deep` False
    are refused (for what is sent on whole, where text in place of a value would change it).
    Raises `JsonTextError` (a `ValueError`) naming what is wrong; never `RecursionError`."""
    data, _ = escape_lone_surrogates(data)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        value = _slow_loads(data, str(exc), keep_deep)
    if not keep_deep and _deeper_than(value, MAX_PARSED_DEPTH):
        raise JsonTextError(f"invalid JSON: nested deeper than {MAX_PARSED_DEPTH} levels")
    return value


def _slow_loads(data: bytes | str, refused: str, keep_deep: bool) -> Any:
    if "depth" not in refused and "recursion" not in refused:
        # `json` says where, in Python's words; it also reads what orjson cannot hold as a
        # float (1e400) and refuses what JSON does not allow.
        try:
            return json.loads(data, parse_constant=_refuse_constant)
        except RecursionError:
            pass
        except ValueError as reason:
            raise JsonTextError(str(reason)) from None
    parser = _Parser(data if isinstance(data, bytes) else data.encode("utf-8"))
    parser.keep_deep = keep_deep
    return parser.parse()


def _deeper_than(value: Any, limit: int) -> bool:
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth == limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def _refuse_constant(value: str) -> Any:
    raise JsonTextError(f"{value} is not a number JSON allows")


def array_elements(data: bytes) -> list[bytes]:
    """The elements of a JSON array, each exactly as it stands in `data`, at any depth."""
    return _Parser(data).elements()


def object_members(data: bytes) -> dict[str, bytes]:
    """The members of a JSON object, each value exactly as it stands in `data`, at any depth."""
    return _Parser(data).members()


_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"')
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")


class _Parser:
    """An iterative JSON parser: no recursion, so no depth is too deep. It checks the whole
    grammar; values are built down to a depth, below which a value is kept as its text."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.keep_deep = True

    def _fail(self, what: str) -> JsonTextError:
        return JsonTextError(f"invalid JSON: {what} at byte {self.pos}")

    def _peek(self) -> int | None:
        self.pos = _WHITESPACE.match(self.data, self.pos).end()  # type: ignore[union-attr]
        return self.data[self.pos] if self.pos < len(self.data) else None

    def _scalar(self, build: bool) -> Any:
        pattern = _STRING if self.data[self.pos] == ord('"') else _SCALAR
        match = pattern.match(self.data, self.pos)
        if match is None:
            raise self._fail("a value expected")
        self.pos = match.end()
        return json.loads(match.group()) if build else None

    def _key(self) -> str:
        if self._peek() != ord('"'):
            raise self._fail("an object key expected")
        key = self._scalar(True)
        if self._peek() != ord(":"):
            raise self._fail("':' expected")
        self.pos += 1
        return key

    def _value(self, build: int | None) -> Any:
        """The value that starts here. Containers down to `build` levels are built; the first
        level below is kept as its text; `build` None only checks the grammar."""
        # Each open container: [its closing byte, the container or None, its pending key,
        # where it opened].
        stack: list[list[Any]] = []
        while True:
            byte = self._peek()
            if byte is None:
                raise self._fail("a value expected")
            if byte in b"[{":
                if build is not None and len(stack) == build and not self.keep_deep:
                    raise self._fail(f"nested deeper than {build} levels")
                building = build is not None and len(stack) < build
                container = ([] if byte == ord("[") else {}) if building else None
                closing = ord("]") if byte == ord("[") else ord("}")
                stack.append([closing, container, None, self.pos])
                self.pos += 1
                if self._peek() != closing:
                    if closing == ord("}"):
                        stack[-1][2] = self._key()
                    continue
                self.pos += 1
                value = self._closed(stack.pop(), len(stack), build)
            else:
                value = self._scalar(build is not None and len(stack) <= build)
            # A value is complete: it goes into its container, which may then close too.
            while True:
                if not stack:
                    return value
                frame = stack[-1]
                if frame[1] is not None:
                    if isinstance(frame[1], list):
                        frame[1].append(value)
                    else:
                        frame[1][frame[2]] = value
                byte = self._peek()
                if byte == ord(","):
                    self.pos += 1
                    if frame[0] == ord("}"):
                        frame[2] = self._key()
                    break
                if byte != frame[0]:
                    raise self._fail("',' or the end of the container expected")
                self.pos += 1
                value = self._closed(stack.pop(), len(stack), build)

    def _closed(self, frame: list[Any], depth: int, build: int | None) -> Any:
        if frame[1] is not None:
            return frame[1]
        if build is not None and depth == build:
            return UnparsedJson(self.data[frame[3] : self.pos].decode("utf-8"))
        return None

    def _end(self) -> None:
        if self._peek() is not None:
            raise self._fail("more after the end of the document")

    def parse(self) -> Any:
        value = self._value(MAX_PARSED_DEPTH)
        self._end()
        return value

    def _slices(self, opening: int) -> list[tuple[str | None, bytes]]:
        if self._peek() != opening:
            raise self._fail(
                "a JSON array expected" if opening == ord("[") else "an object expected"
            )
        closing = ord("]") if opening == ord("[") else ord("}")
        self.pos += 1
        parts: list[tuple[str | None, bytes]] = []
        if self._peek() == closing:
            self.pos += 1
            self._end()
            return parts
        while True:
            key = self._key() if opening == ord("{") else None
            self._peek()
            begin = self.pos
            self._value(None)
            parts.append((key, self.data[begin : self.pos]))
            byte = self._peek()
            if byte == closing:
                self.pos += 1
                self._end()
                return parts
            if byte != ord(","):
                raise self._fail("',' or the end of the container expected")
            self.pos += 1

    def elements(self) -> list[bytes]:
        return [value for _, value in self._slices(ord("["))]

    def members(self) -> dict[str, bytes]:
        return {str(key): value for key, value in self._slices(ord("{"))}
