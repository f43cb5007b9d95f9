"""The typed envelope of a Kore rawdata page. Records stay raw: their three key dialects are
normalised in dbt staging, so the warehouse keeps exactly what Kore sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field

# Every spelling of the conversation id seen across documented dialects.
CONVERSATION_ID_KEYS: tuple[str, ...] = ("conversationId", "Conversation ID", "conversation_id")


class RawdataPage(BaseModel):
    """A rawdata page with its records as parsed JSON: how the client reads a page that
    `RawdataIds` does not fit."""

    # Top-level keys beyond these are kept: they are the envelope landed with each record.
    model_config = ConfigDict(extra="allow")

    total_results: int | None = Field(default=None, alias="totalResults")
    total_pages: int | None = Field(default=None, alias="totalPages")
    has_more: bool | None = Field(default=None, alias="hasMore")
    results: list[Any]


def _usable(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def conversation_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    for key in CONVERSATION_ID_KEYS:
        if found := _usable(record.get(key)):
            return found
    return None


class _RecordId(msgspec.Struct):
    """A record read only for its conversation id; msgspec skips its other keys unbuilt."""

    camel: Any = msgspec.field(default=None, name="conversationId")
    title: Any = msgspec.field(default=None, name="Conversation ID")
    snake: Any = msgspec.field(default=None, name="conversation_id")

    @property
    def value(self) -> str | None:
        return _usable(self.camel) or _usable(self.title) or _usable(self.snake)


class _EnvelopeFields(msgspec.Struct):
    total_results: int | None = msgspec.field(default=None, name="totalResults")
    total_pages: int | None = msgspec.field(default=None, name="totalPages")
    has_more: bool | None = msgspec.field(default=None, name="hasMore")


_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw])
_RECORD_IDS = msgspec.json.Decoder(list[_RecordId])


@dataclass(frozen=True)
class RawdataIds:
    """A rawdata page as the client first reads it, straight from the bytes: the records'
    array exactly as it stands in the body, each record's id, and the envelope (every other
    top-level key). Reading this costs half of validating the same with pydantic, which must
    walk every record's keys in Python's data model; a page it does not fit (no results list,
    a record that is not an object, an envelope field of another type) is read in full as
    `RawdataPage`. The records are not cut apart here: DuckDB does that at commit, in
    parallel, from the array's bytes."""

    records_json: msgspec.Raw
    keys: list[str | None]
    top_level: dict[str, Any]
    total_results: int | None
    total_pages: int | None
    has_more: bool | None

    @classmethod
    def read(cls, content: bytes) -> RawdataIds | None:
        if not content.isascii():
            try:  # msgspec leaves skipped values unchecked; the raw landing stores UTF-8 only
                content.decode("utf-8")
            except UnicodeDecodeError:
                return None
        try:
            top = _TOP_LEVEL.decode(content)
            records_json = top.pop("results")
            keys = [record.value for record in _RECORD_IDS.decode(records_json)]
            envelope = {key: msgspec.json.decode(value) for key, value in top.items()}
            fields = msgspec.convert(envelope, _EnvelopeFields)
        except (KeyError, msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            # Nesting deeper than msgspec goes is read in full, on the slow path.
            return None
        return cls(
            records_json, keys, envelope, fields.total_results, fields.total_pages, fields.has_more
        )


# Every record key any documented dialect uses (vendor-api-notes section 2.6); anything else is
# reported by the schema-drift check.
KNOWN_RECORD_KEYS: frozenset[str] = frozenset(
    {
        *CONVERSATION_ID_KEYS,
        "customConversationId",
        "src",
        "contact_direction",
        "contactDirection",
        "is_direction_defaulted",
        "Conversation Start Time",
        "Conversation End Time",
        "conversationStartTime",
        "conversationEndTime",
        "Duration",
        "duration",
        "Language",
        "language",
        "koreEvalutionScore",
        "koreEvaluationScore",
        "Kore Evaluation Score",
        "fatalErrorCount",
        "Fatal Errors",
        "Pass Score",
        "IsPassed",
        "evaluation_status",
        "Evaluation Form Name",
        "Evaluation Form Scoring Type",
        "duration_status",
        "AuditStatus",
        "Audit Status",
        "auditStatus",
        "audit_status",
        "AuditScore",
        "Audit Score",
        "auditScore",
        "audit_date",
        "Audit Date",
        "AuditDate",
        "auditor",
        "Auditor Name",
        "AuditorName",
        "Queues",
        "queues",
        "Agents",
        "agents",
        "agentEmail",
        "agentRecordings",
        "customerRecordings",
        "Metrics",
        "metrics",
        "Sentiment Score",
        "sentimentScore",
        "sentiment",
        "Sentiment",
        "Sentiment Pattern",
        "sentimentPattern",
        "Sentiment Ratio",
        "sentimentRatio",
        "Emotions",
        "emotions",
        "Customer emotions",
        "Agent emotions",
        "Customer talk ratio percentage",
        "Agent talk ratio percentage",
        "Silence percentage",
        "Speaking Rate",
        "speakingRate",
        "speechSpeed",
        "IsChurnRiskObserved",
        "IsEscalationObserved",
        "Taxonomy Resolution",
        "Generated Intents",
        "generatedIntents",
        "Configured_Intents",
        "configuredIntents",
        "Intents",
        "Topics",
        "custom_fields",
        "evaluatedAt",
        "channel",
        "queueId",
        "queueName",
        "agentId",
        "agentName",
    }
)
