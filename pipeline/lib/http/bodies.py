"""A vendor's response body: read strictly, parsed once, kept as received for the landing."""

from __future__ import annotations

import codecs
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from pipeline.lib import json_text


def parse_json(text: str | bytes) -> Any:
    """orjson first: it parses a page of records about 2.5 times faster than `json`, and
    parsing is most of a client's work per page. A body orjson refuses goes through `json`
    too, so the error names the position the way Python does; one nested deeper than Python
    parses is read down to the depth the client steers by (`json_text.loads`). The parsed
    body only steers the client (envelope, ids); the warehouse stores the text as received."""
    return json_text.loads(text)


UNPARSED: Any = object()


def decode_strictly(content: bytes, charset: str | None) -> tuple[str, str | None]:
    """The body as text in its declared charset (UTF-8 when none), and None; or, for bytes
    that are not valid in it, the text with those bytes escaped and the reason. Nothing is
    replaced silently: a body that is not what it says is a bad body."""
    encoding = charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        return content.decode(encoding), None
    except UnicodeDecodeError as exc:
        return (
            content.decode(encoding, "backslashreplace"),
            f"not valid {encoding} ({exc.reason} at byte {exc.start})",
        )


class JsonResponse:
    """A JSON response: its body as received, and its body parsed.

    When the request named the shape a good body has (`expect`) and the body was read as it,
    `expected` holds what was read and the full parse waits until `data` is first read: the
    envelope and ids come straight from the bytes, without Python objects for the parts of
    the records nobody looks at, which is most of a client's work per page. Such a body is
    also proven UTF-8 JSON, so `body` is the bytes as received and nothing is decoded unless
    `text` is read."""

    def __init__(
        self,
        status: int,
        content: bytes,
        text: str | None = None,
        data: Any = UNPARSED,
        expected: Any = None,
    ) -> None:
        self.status = status
        self.content = content
        self.expected = expected
        self._text = text
        self._data = data

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.content.decode("utf-8")
        return self._text

    @property
    def body(self) -> str | bytes:
        """What the raw landing stores: the bytes as received when they validated as the
        expected shape (valid UTF-8), else the text as decoded by its declared charset."""
        return self.content if self._text is None else self._text

    @property
    def data(self) -> Any:
        if self._data is UNPARSED:
            self._data = parse_json(self.content if self._text is None else self._text)
        return self._data


class ExpectedReader(Protocol):
    """Reads a body of the expected shape straight from its bytes: None for a body of
    another shape (or not UTF-8). What it returns carries the body's `top_level` keys."""

    def read(self, content: bytes) -> Any: ...


# The shape a good body has: a pydantic model, or a reader of the client's own.
Expect = type[BaseModel] | ExpectedReader


def validate_expected(expect: Expect | None, content: bytes) -> Any:
    if expect is None:
        return None
    if isinstance(expect, type) and issubclass(expect, BaseModel):
        try:
            # From the bytes: decoding a page to `str` and pydantic encoding it back would
            # cost more than the validation itself. Bytes that are not UTF-8 fail here and
            # take the decoded-text path below.
            return expect.model_validate_json(content)
        except ValidationError:
            return None
    return expect.read(content)


def top_level(expected: Any) -> dict[str, Any]:
    """The top-level keys of a body read as expected, for the vendor's error classifier."""
    if isinstance(expected, BaseModel):
        # Keys the model does not declare survive in its dump (extra="allow").
        return expected.model_dump(by_alias=True)
    return expected.top_level
