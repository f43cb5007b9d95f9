"""Exotel CQA, simulated: the response envelope and error codes, List Analyses with its limits,
analysis detail (categories, sub-categories, KPIs), interactions with async status progression,
QA reviews that arrive later, failed interactions, timestamps in the account's +05:30 zone."""

from __future__ import annotations

import json
import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipeline.sandbox.faults import FaultInjector, SlidingWindowLimit
from pipeline.sandbox.roster import ROSTER, stable_int, stable_uuid

ACCOUNT_TZ = timezone(timedelta(hours=5, minutes=30))
PROFILE = ("prof-default", "Default Quality Profile")
CATEGORIES = (
    (
        "Communication Skills",
        (("Opening", ("Proper Greeting", "Introduced Self")), ("Tone", ("Polite Language",))),
    ),
    ("Compliance", (("Verification", ("Verified Identity", "Disclosure Read")),)),
)
RESPONSES = (("Yes", 1.0), ("Yes", 1.0), ("Partially", 0.5), ("No", 0.0))


def _local(value: datetime) -> str:
    """A naive UTC instant written the way CQA writes it: in the account's zone, with offset."""
    return value.replace(tzinfo=UTC).astimezone(ACCOUNT_TZ).isoformat()


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True)
class Generated:
    analysis_id: str
    interaction_id: str
    external_id: str
    created: datetime
    agent_index: int
    failed: bool
    seed: int


@lru_cache(maxsize=8)
def generate_day(day: date, per_day: int) -> tuple[Generated, ...]:
    out = []
    for index in range(per_day):
        seed = stable_int("cqa", day, index)
        out.append(
            Generated(
                analysis_id=stable_uuid("cqa-analysis", day, index),
                interaction_id=stable_uuid("cqa-interaction", day, index),
                external_id=f"call-{day:%Y%m%d}-{index:05d}",
                created=datetime(day.year, day.month, day.day) + timedelta(seconds=seed % 86400),
                agent_index=seed % len(ROSTER),
                failed=seed % 13 == 0,
                seed=seed,
            )
        )
    return tuple(out)


@dataclass
class CqaSandbox:
    account_id: str = "acc-sandbox"
    api_key: str = "cqa-sandbox-api-key-0123456789"
    per_day: int = 30
    faults: FaultInjector = field(default_factory=FaultInjector)
    get_limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(300))
    post_limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(100))
    qa_reviews: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    _generated: dict[str, tuple[date, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "CQA_BASE_URL": base_url,
            "CQA_ACCOUNT_ID": self.account_id,
            "CQA_API_KEY": self.api_key,
        }

    def reset(self) -> None:
        with self._lock:
            self.qa_reviews.clear()
            self.requests.clear()
            self.get_limit = SlidingWindowLimit(300)
            self.post_limit = SlidingWindowLimit(100)
        self.faults.reset()

    def analyses_of(self, day: date) -> list[Generated]:
        return list(generate_day(day, self.per_day))

    def add_qa_review(self, analysis_id: str) -> None:
        """A human QA review arriving days later: qa_score and KPI overrides."""
        with self._lock:
            self.qa_reviews[analysis_id] = self.qa_reviews.get(analysis_id, 0) + 1

    # --- rendering ------------------------------------------------------------------------

    def _kpis(self, item: Generated) -> tuple[list[dict[str, Any]], float, float, float | None]:
        reviewed = item.analysis_id in self.qa_reviews
        categories = []
        ai_total = final_total = max_total = 0.0
        for c_index, (category, subs) in enumerate(CATEGORIES):
            sub_rows = []
            c_ai = c_final = c_max = 0.0
            for s_index, (sub, kpis) in enumerate(subs):
                kpi_rows = []
                for k_index, kpi in enumerate(kpis):
                    pick = stable_int(item.seed, c_index, s_index, k_index) % len(RESPONSES)
                    response, fraction = RESPONSES[pick]
                    max_score = 0.0 if kpi == "Disclosure Read" else 10.0
                    ai = fraction * max_score
                    row: dict[str, Any] = {
                        "kpi_name": kpi,
                        "ai_response": response,
                        "ai_justification": f"The agent's answer was judged {response}.",
                        "ai_score": ai,
                        "final_score": ai,
                        "criticality_adjusted_score": ai,
                        "max_score": max_score,
                        "user_comment": None,
                        "qa_selected_kpi_option_uid": None,
                        "qa_selected_kpi_option_value": None,
                    }
                    if reviewed and k_index == 0:
                        row["qa_score"] = max_score
                        row["qa_justification"] = "Reviewed: the agent did this."
                        row["qa_selected_kpi_option_value"] = "Yes"
                        row["final_score"] = max_score
                    kpi_rows.append(row)
                    c_ai += ai
                    c_final += row["final_score"]
                    c_max += max_score
                sub_rows.append({"name": sub, "kpis": kpi_rows})
            categories.append(
                {
                    "name": category,
                    "ai_score": c_ai,
                    "final_score": c_final,
                    "criticality_adjusted_score": c_final,
                    "max_score": c_max,
                    "sub_categories": sub_rows,
                }
            )
            ai_total += c_ai
            final_total += c_final
            max_total += c_max
        qa = final_total if reviewed else None
        return categories, ai_total, max_total, qa

    def _metadata(self, item: Generated) -> dict[str, Any]:
        person = ROSTER[item.agent_index]
        return {
            "agent_email": person.email,
            "agent_name": person.name,
            "campaign": "retention" if item.seed % 2 else "support",
        }

    def _status(self, item: Generated) -> str:
        return "failed" if item.failed else "completed"

    def list_item(self, item: Generated) -> dict[str, Any]:
        _, ai, _max_score, qa = self._kpis(item)
        row = {
            "analysis_id": item.analysis_id,
            "interaction_id": item.interaction_id,
            "external_interaction_id": item.external_id if item.seed % 4 else None,
            "profile_id": PROFILE[0],
            "status": self._status(item),
            "ai_score": None if item.failed else ai,
            "final_score": None if item.failed else (qa if qa is not None else ai),
            "criticality_adjusted_score": None if item.failed else ai,
            "metadata": self._metadata(item),
            "created_at": _local(item.created),
        }
        if qa is not None:
            row["qa_score"] = qa
        return row

    def detail(self, item: Generated) -> dict[str, Any]:
        categories, ai, max_score, qa = self._kpis(item)
        review_delay = timedelta(days=2 * self.qa_reviews.get(item.analysis_id, 0))
        row = {
            "analysis_id": item.analysis_id,
            "interaction_id": item.interaction_id,
            "external_interaction_id": item.external_id,
            "profile_id": PROFILE[0],
            "profile_name": PROFILE[1],
            "status": self._status(item),
            "ai_score": ai,
            "final_score": qa if qa is not None else ai,
            "criticality_adjusted_score": ai,
            "max_score": max_score,
            "analysis_completed_at": _local(item.created + timedelta(minutes=7) + review_delay),
            "categories": [] if item.failed else categories,
            "metadata": self._metadata(item),
        }
        if qa is not None:
            row["qa_score"] = qa
        return row

    def interaction(self, item: Generated) -> dict[str, Any]:
        row = {
            "interaction_id": item.interaction_id,
            "external_interaction_id": item.external_id,
            "channel_type": ("VOICE", "CHAT")[item.seed % 2],
            "source": "sandbox-pbx",
            "status": self._status(item),
            "status_modified_at": _local(item.created + timedelta(minutes=7)),
            "audio_url": f"https://recordings.example.com/{item.external_id}.wav",
            "pii_redacted": False,
            "created_at": _local(item.created),
            "language": "en",
            "duration_seconds": 60 + item.seed % 900,
            "metadata": self._metadata(item),
            "analyses": [
                {
                    "analysis_id": item.analysis_id,
                    "profile_id": PROFILE[0],
                    "status": self._status(item),
                }
            ],
        }
        if item.failed:
            row["failure_reason"] = "Audio could not be downloaded"
        return row

    # --- HTTP -----------------------------------------------------------------------------

    def _count(self, name: str) -> None:
        with self._lock:
            self.requests[name] = self.requests.get(name, 0) + 1

    def _gate(self, request: Request, limit: SlidingWindowLimit) -> Response | None:
        if request.path_params.get("account_id") != self.account_id:
            return _error(404, "NOT_FOUND", "Account not found")
        if request.headers.get("x-api-key") != self.api_key:
            return _error(401, "UNAUTHORIZED", "Missing or invalid API key")
        wait = limit.check(self.account_id)
        if wait is not None:
            response = _error(429, "RATE_LIMIT_EXCEEDED", "Tenant rate limit exceeded")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        return None

    async def _ok(self, data: dict[str, Any], status: int = 200) -> Response:
        body = json.dumps({"status": status, "request_id": str(uuid.uuid4()), "data": data})
        fault = self.faults.next_fault()
        if fault:
            return await self.faults.respond(fault, body.encode())
        return Response(body, status, media_type="application/json")

    async def list_analyses(self, request: Request) -> Response:
        self._count("list")
        if (denied := self._gate(request, self.get_limit)) is not None:
            return denied
        try:
            limit = int(request.query_params.get("limit", "20"))
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "limit and offset must be integers")
        if not 1 <= limit <= 100:
            return _error(400, "VALIDATION_ERROR", "limit must be between 1 and 100")
        if not 0 <= offset <= 10_000:
            return _error(400, "VALIDATION_ERROR", "offset must be between 0 and 10000")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "INVALID_JSON", "Request body is not valid JSON")
        dates = [f for f in body.get("other_filters", []) if f.get("field") == "date"]
        if not dates:
            return _error(400, "VALIDATION_ERROR", "A date range filter is required")
        value = dates[0].get("value") or {}
        try:
            start, end = _parse(value["start_date"]), _parse(value["end_date"])
        except (KeyError, ValueError):
            return _error(400, "VALIDATION_ERROR", "start_date and end_date are required")
        if end - start > timedelta(days=31):
            return _error(400, "VALIDATION_ERROR", "Date range must not exceed 31 days")
        matches = []
        day = start.date()
        while day <= end.date():
            for item in self.analyses_of(day):
                if start <= item.created <= end:
                    matches.append(item)
                    self._generated[item.analysis_id] = (day, 0)
                    self._generated[item.interaction_id] = (day, 0)
                    self._generated[item.external_id] = (day, 0)
            day += timedelta(days=1)
        matches.sort(key=lambda g: (g.created, g.analysis_id))
        chunk = [self.list_item(g) for g in matches[offset : offset + limit]]
        return await self._ok(
            {
                "analyses": chunk,
                "pagination": {"limit": limit, "offset": offset, "total": len(matches)},
            }
        )

    def _lookup(self, key: str) -> Generated | None:
        located = self._generated.get(key)
        if located is None:
            return None
        for item in self.analyses_of(located[0]):
            if key in (item.analysis_id, item.interaction_id, item.external_id):
                return item
        return None

    async def get_analysis(self, request: Request) -> Response:
        self._count("analysis")
        if (denied := self._gate(request, self.get_limit)) is not None:
            return denied
        item = self._lookup(request.path_params["analysis_id"])
        if item is None:
            return _error(404, "NOT_FOUND", "Analysis not found")
        return await self._ok(self.detail(item))

    async def get_interaction(self, request: Request) -> Response:
        self._count("interaction")
        if (denied := self._gate(request, self.get_limit)) is not None:
            return denied
        item = self._lookup(request.path_params["interaction_id"])
        if item is None:
            return _error(404, "NOT_FOUND", "Interaction not found")
        return await self._ok(self.interaction(item))


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "status": status,
            "request_id": str(uuid.uuid4()),
            "message": message,
            "error": {"code": code},
        },
        status,
    )
