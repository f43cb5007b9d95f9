"""The typed envelope of a Kore rawdata page. Records stay raw: their three key dialects are
normalised in dbt staging, so the warehouse keeps exactly what Kore sent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Every spelling of the conversation id seen across documented dialects.
CONVERSATION_ID_KEYS: tuple[str, ...] = ("conversationId", "Conversation ID", "conversation_id")


class _Envelope(BaseModel):
    # Top-level keys beyond these are kept: the error classifier reads Kore's body codes.
    model_config = ConfigDict(extra="allow")

    total_results: int | None = Field(default=None, alias="totalResults")
    total_pages: int | None = Field(default=None, alias="totalPages")
    has_more: bool | None = Field(default=None, alias="hasMore")


class RawdataPage(_Envelope):
    """A rawdata page with its records as parsed JSON."""

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


class RecordId(BaseModel):
    """A record read only for its conversation id (the dialects in CONVERSATION_ID_KEYS
    order); pydantic skips its other keys without building them."""

    model_config = ConfigDict(extra="ignore")

    camel: Any = Field(default=None, alias="conversationId")
    title: Any = Field(default=None, alias="Conversation ID")
    snake: Any = Field(default=None, alias="conversation_id")

    @property
    def value(self) -> str | None:
        return _usable(self.camel) or _usable(self.title) or _usable(self.snake)


class RawdataIds(_Envelope):
    """A rawdata page as the client first reads it, straight from the text: the envelope and
    each record's id. Validating this costs a third of parsing the page into Python objects;
    a page it does not fit (a record that is not an object) is read as `RawdataPage`."""

    results: list[RecordId]


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
