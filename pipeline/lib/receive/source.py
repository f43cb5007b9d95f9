"""A webhook vendor's part of the receive shape, and reading what it posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

import duckdb

from pipeline.lib import json_text
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.ledger import Update

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class UnreadableDelivery(ValueError):
    """An authenticated delivery that cannot be read: kept, quarantined, answered 200 (a
    retry would post the same bytes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unmatched(LookupError):
    """A delivery that names no request we made (or one we cannot tell yet)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReadDelivery:
    """A delivery as the landing reads it back from the journal."""

    delivery_key: str
    reference: str | None
    payload: dict[str, Any]
    received_at: datetime


class WebhookSource(Protocol):
    """What a webhook vendor tells the receiver and the landing."""

    vendor: str
    # Where its deliveries land (`Endpoint(deliveries=True)`).
    endpoint: Endpoint

    def authenticate(self, params: Mapping[str, str]) -> str:
        """The reference the callback URL carries, or `Unauthenticated`."""
        ...

    def delivery_key(self, payload: dict[str, Any]) -> str:
        """The vendor's id of a delivery (a retry carries the same), or `UnreadableDelivery`."""
        ...

    def match(self, conn: duckdb.DuckDBPyConnection, delivery: ReadDelivery) -> Update:
        """What the delivery says of the submission it answers (from `raw.submissions`), or
        `Unmatched` naming what was not found."""
        ...


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_body(content_type: str | None, body: bytes) -> dict[str, Any]:
    """A JSON object or a form, as a dict; `UnreadableDelivery` says why not. A body without
    a content type is read as JSON when it parses as JSON. What JSON allows and Python or
    DuckDB do not (a lone surrogate escape, nesting thousands deep) is read as `json_text`
    reads it: such a value in a field nobody reads never costs its delivery."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableDelivery(f"not UTF-8 (byte {exc.start}: {exc.reason})") from None
    if kind == FORM:
        return dict(parse_qsl(text, keep_blank_values=True))
    if kind not in (JSON, "") and not kind.endswith("+json"):
        raise UnreadableDelivery(f"content type {kind!r} (JSON or a form expected)")
    try:
        payload = json_text.loads(text)
    except ValueError as exc:
        raise UnreadableDelivery(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise UnreadableDelivery("not a JSON object")
    return payload


def payload_json(content_type: str | None, body: bytes) -> str:
    """The delivery as JSON text for the warehouse: the body itself when it is JSON (a lone
    surrogate escape written as its text, the one change), the form's fields as an object
    when it is a form."""
    if media_type(content_type) == FORM:
        return json_text.dumps(parse_body(content_type, body), ensure_ascii=False)
    return json_text.escape_lone_surrogates(body.decode("utf-8"))[0]
