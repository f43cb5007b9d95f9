"""Pieces every paginated vendor client needs: typed page parsing and the loop guards."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel, ValidationError

from pipeline.lib import json_text
from pipeline.lib.http import InvalidBodyHook, JsonResponse, VendorHTTPError
from pipeline.lib.pull.pages import BadRecord, SplitPage

M = TypeVar("M", bound=BaseModel)


class PaginationError(VendorHTTPError):
    """Paging did not end within the hard page cap, or a page had the wrong shape."""


class IncompleteWindowError(PaginationError):
    """What the walk found disagrees with what the vendor announced (a repeated page, a total
    its own pages confirm): landing it would replace a complete window with part of it."""


def check_total(
    vendor: str, label: str, seen: int, total: int | None, *, trusted: bool
) -> list[str]:
    """Compare the records a walk found with the total the vendor announced. A trusted
    total that disagrees fails the load; an untrusted one is a warning for the load log."""
    if total is None or seen == total:
        return []
    message = f"{vendor} {label}: {total} records announced, {seen} found"
    if trusted:
        raise IncompleteWindowError(message + "; the window is incomplete")
    return [message + " (the announced total is not trusted for this vendor)"]


def check_page_cap(vendor: str, label: str, number: int, cap: int, setting: str) -> None:
    if number > cap:
        raise PaginationError(
            f"{vendor} {label}: still paging after {cap} pages ({setting}); "
            "refusing to guess where the list ends"
        )


def parse_page(
    model: type[M], response: JsonResponse, *, vendor: str, what: str, on_invalid: InvalidBodyHook
) -> M:
    """The response as `model`; a body of the wrong shape is quarantined, then fails loudly."""
    try:
        return model.model_validate(response.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = f"not a {model.__name__} ({first['msg']} at {first['loc']})"
        on_invalid(what, response.text, reason)
        raise PaginationError(f"{vendor} {what}: {reason}") from None


class RepeatGuard:
    """Spots a page identical to an earlier one (a server ignoring the page parameter).

    Keeps one hash per page, not the records, so memory does not grow with the window."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def is_repeat(self, keys: Iterable[str]) -> bool:
        keys = tuple(keys)
        if not keys:
            return False
        digest = hash(keys)
        if digest in self._seen:
            return True
        self._seen.add(digest)
        return False


def record_keys(records: list[Any], key_of: Callable[[Any], str | None]) -> list[str]:
    return [key_of(r) or json.dumps(r, sort_keys=True) for r in records]


def records_without_key(
    records: list[Any], key_of: Callable[[Any], str | None], what: str, missing: str
) -> list[BadRecord]:
    return [
        BadRecord(None, f"{what}, record {index}: {missing}", json_text.dumps(record))
        for index, record in enumerate(records)
        if key_of(record) is None
    ]


@functools.cache
def _records_struct(key: str) -> type[msgspec.Struct]:
    # msgspec skips the page's other keys unparsed and keeps the array as its raw bytes.
    return msgspec.defstruct("RecordsOnly", [(key, msgspec.Raw)])


def split_records(body: str | bytes, key: str, envelope: dict[str, Any]) -> SplitPage:
    """The records under `key` of a page already validated as a JSON object with a list
    there, as the exact bytes of that array, and the page's `envelope` (its other top-level
    keys, as the client read them) as JSON."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        records: msgspec.Raw | bytes = getattr(
            msgspec.json.decode(data, type=_records_struct(key)), key
        )
        count = len(msgspec.json.decode(records, type=list[msgspec.Raw]))
    except RecursionError:
        # A record nested deeper than msgspec goes: cut apart without parsing it.
        records = json_text.object_members(data)[key]
        count = len(json_text.array_elements(records))
    return SplitPage(json_text.dumps(envelope, sort_keys=True), records, count)
