"""The typed envelope of a Kore rawdata page. Records stay raw: their three key dialects are
normalised in dbt staging, so the warehouse keeps exactly what Kore sent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Every spelling of the conversation id seen across documented dialects.
CONVERSATION_ID_KEYS: tuple[str, ...] = ("conversationId", "Conversation ID", "conversation_id")


class RawdataPage(BaseModel):
    model_config = ConfigDict(extra="allow")

    results: list[Any]
    total_results: int | None = Field(default=None, alias="totalResults")
    total_pages: int | None = Field(default=None, alias="totalPages")
    has_more: bool | None = Field(default=None, alias="hasMore")


def conversation_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    for key in CONVERSATION_ID_KEYS:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None
