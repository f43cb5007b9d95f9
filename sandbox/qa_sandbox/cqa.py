"""Exotel CQA, simulated: the response envelope and error codes, List Analyses with its limits,
analysis detail (categories, sub-categories, KPIs), interactions with async status progression,
QA reviews that arrive later, failed interactions, timestamps in the account's +05:30 zone."""

from __future__ import annotations

import json
import math
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa_sandbox.faults import ECHO_PADDING, UNLIMITED, FaultInjector, SlidingWindowLimit
from qa_sandbox.roster import ROSTER, stable_int, stable_uuid
from qa_sandbox.simulator import Simulator
from qa_sandbox.values import OddValues

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
# What a reviewer who disagrees answers instead.
OVERTURNED = {"Yes": ("No", 0.0), "No": ("Yes", 1.0), "Partially": ("Yes", 1.0)}


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
class CqaSandbox(Simulator):
    name: ClassVar[str] = "cqa"
    account_id: str = "acc-sandbox"
    api_key: str = "cqa-sandbox-api-key-0123456789"
    per_day: int = 30
    faults: FaultInjector = field(default_factory=FaultInjector)
    odd: OddValues = field(default_factory=OddValues)
    get_limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(300))
    post_limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(100))
    qa_reviews: dict[str, int] = field(default_factory=dict)
    # One analysis in this many was reviewed by a QA reviewer from the start (0: none), who
    # overturned the AI on about one KPI in five: the pairs the calibration marts compare.
    review_one_in: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    _generated: dict[str, tuple[date, int]] = field(default_factory=dict)
    pushed: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: dict[str, list[str]] = field(default_factory=dict)
    submitted_external_ids: list[str] = field(default_factory=list)
    _batch_errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # List Analyses announcing more than it serves; analysis details answering an error
    # envelope with HTTP 200 (both quirks seen in the audit, never by default).
    extra_total: int = 0
    error_envelope_with_200: bool = False
    # List Analyses documents no sort order: oldest first (by default) or newest first.
    newest_first: bool = False
    # Analyses that arrive while a window is walked: each time a first page (offset 0) is
    # served, the next number of this list is added to each day of the window.
    arrivals: list[int] = field(default_factory=list)
    _arrived: dict[date, int] = field(default_factory=dict)
    # Error bodies echo the credential they were sent (a careless vendor or proxy).
    echo_credentials: bool = False
    credentials_seen: set[str] = field(default_factory=set)
    _last_credential: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    prefix = "/cqa"

    def routes(self) -> list[Route]:
        account = "/api/v1/accounts/{account_id}"
        return [
            Route(account + "/analyses", self.list_analyses, methods=["POST"]),
            Route(account + "/analyses/{analysis_id}", self.get_analysis),
            Route(account + "/ingress/interactions/batch", self.submit_batch, methods=["POST"]),
            Route(account + "/ingress/interactions/batch/{batch_id}", self.get_batch),
            Route(account + "/ingress/interactions/{interaction_id}", self.get_interaction),
        ]

    @staticmethod
    def unlimited_env() -> dict[str, str]:
        """The pipeline's own budget for this vendor, lifted."""
        return {
            "CQA_GET_REQUESTS_PER_MINUTE": str(UNLIMITED),
            "CQA_POST_REQUESTS_PER_MINUTE": str(UNLIMITED),
        }

    def remove_rate_limits(self) -> None:
        self.get_limit = SlidingWindowLimit(UNLIMITED)
        self.post_limit = SlidingWindowLimit(UNLIMITED)

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "CQA_BASE_URL": base_url,
            "CQA_ACCOUNT_ID": self.account_id,
            "CQA_API_KEY": self.api_key,
        }

    def analyses_of(self, day: date) -> list[Generated]:
        arrived = [
            # The newest of the day: analysed just now, at its end.
            replace(
                item,
                analysis_id=stable_uuid("cqa-arrival", day, n),
                interaction_id=stable_uuid("cqa-arrival-interaction", day, n),
                external_id=f"arrival-{day:%Y%m%d}-{n:05d}",
                created=datetime(day.year, day.month, day.day, 23, 59) + timedelta(seconds=n),
            )
            for n, item in enumerate(generate_day(day, self._arrived.get(day, 0)))
        ]
        return [*generate_day(day, self.per_day), *arrived]

    def add_qa_review(self, analysis_id: str) -> None:
        """A human QA review arriving days later: qa_score and KPI overrides."""
        with self._lock:
            self.qa_reviews[analysis_id] = self.qa_reviews.get(analysis_id, 0) + 1

    # --- rendering ------------------------------------------------------------------------

    def for_demo(self) -> None:
        self.review_one_in = 5

    def _reviewed_from_start(self, item: Generated) -> bool:
        return bool(self.review_one_in) and item.seed % self.review_one_in == 0

    def _kpis(self, item: Generated) -> tuple[list[dict[str, Any]], float, float, float | None]:
        reviewed = item.analysis_id in self.qa_reviews
        reviewed_from_start = not reviewed and self._reviewed_from_start(item)
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
                    elif (
                        reviewed_from_start
                        and stable_int(item.seed, "qa", c_index, s_index, k_index) % 5 == 0
                    ):
                        answer, share = OVERTURNED[response]
                        row["qa_score"] = share * max_score
                        row["qa_justification"] = f"Reviewed: {answer}."
                        row["qa_selected_kpi_option_value"] = answer
                        row["final_score"] = share * max_score
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
        qa = final_total if reviewed or reviewed_from_start else None
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
        self._last_credential = request.headers.get("x-api-key", "")
        self.saw(self._last_credential)
        if self._last_credential != self.api_key:
            message = "Missing or invalid API key"
            if self.echo_credentials:
                message += f" {ECHO_PADDING} X-API-Key: {self._last_credential}"
            return _error(401, "UNAUTHORIZED", message)
        wait = limit.check(self.account_id)
        if wait is not None:
            response = _error(429, "RATE_LIMIT_EXCEEDED", "Tenant rate limit exceeded")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        return None

    async def _ok(self, data: dict[str, Any], status: int = 200) -> Response:
        text = json.dumps({"status": status, "request_id": str(uuid.uuid4()), "data": data})
        body = self.odd.body(text.encode())
        await self.faults.delay()
        fault = self.faults.next_fault()
        if fault:
            return await self.faults.respond(fault, body, self._last_credential)
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
        for pushed in self.pushed.values():
            created = pushed.get("_analysis_created")
            if created is not None and start <= created <= end:
                matches.append(pushed)
        matches.sort(key=lambda g: (_created(g), _analysis_id(g)), reverse=self.newest_first)
        if offset == 0 and self.arrivals:
            # Served as it stood: the new analyses show from the next request on.
            grow = self.arrivals.pop(0)
            day = start.date()
            while day <= end.date():
                self._arrived[day] = self._arrived.get(day, 0) + grow
                day += timedelta(days=1)
        chunk = [
            self.odd.record(
                self.list_item(g) if isinstance(g, Generated) else self._pushed_list_item(g)
            )
            for g in matches[offset : offset + limit]
        ]
        return await self._ok(
            {
                "analyses": chunk,
                "pagination": {
                    "limit": limit,
                    "offset": offset,
                    "total": len(matches) + self.extra_total,
                },
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
        pushed = self._pushed_by_analysis(request.path_params["analysis_id"])
        if pushed is not None:
            return await self._ok(self._pushed_detail(pushed))
        item = self._lookup(request.path_params["analysis_id"])
        if item is None:
            return _error(404, "NOT_FOUND", "Analysis not found")
        if self.error_envelope_with_200:
            failed = _error(503, "INTERNAL_ERROR", "Scoring service unavailable")
            return Response(failed.body, 200, media_type="application/json")
        return await self._ok(self.odd.record(self.detail(item)))

    async def get_interaction(self, request: Request) -> Response:
        self._count("interaction")
        if (denied := self._gate(request, self.get_limit)) is not None:
            return denied
        pushed = self._find_pushed(request.path_params["interaction_id"])
        if pushed is not None:
            self._advance(pushed)
            return await self._ok(_public(pushed))
        item = self._lookup(request.path_params["interaction_id"])
        if item is None:
            return _error(404, "NOT_FOUND", "Interaction not found")
        return await self._ok(self.odd.record(self.interaction(item)))

    # --- pushed interactions ---------------------------------------------------------------

    def _find_pushed(self, key: str) -> dict[str, Any] | None:
        if key in self.pushed:
            return self.pushed[key]
        return next((p for p in self.pushed.values() if p["external_interaction_id"] == key), None)

    def _pushed_by_analysis(self, analysis_id: str) -> dict[str, Any] | None:
        return next((p for p in self.pushed.values() if p.get("_analysis_id") == analysis_id), None)

    def _advance(self, pushed: dict[str, Any]) -> None:
        """Each look at a pushed interaction moves it one step: queued, processing, done."""
        with self._lock:
            now = self.clock.now()
            if pushed["status"] == "queued":
                pushed["status"] = "processing"
            elif pushed["status"] == "processing":
                if "fail" in pushed["external_interaction_id"]:
                    pushed["status"] = "failed"
                    pushed["failure_reason"] = "Audio could not be downloaded"
                else:
                    pushed["status"] = "completed"
                    pushed["_analysis_id"] = stable_uuid(
                        "cqa-pushed-analysis", pushed["interaction_id"]
                    )
                    pushed["_analysis_created"] = now
                    pushed["analyses"] = [
                        {
                            "analysis_id": pushed["_analysis_id"],
                            "profile_id": PROFILE[0],
                            "status": "completed",
                        }
                    ]
            else:
                return
            pushed["status_modified_at"] = _local(now)

    def _pushed_generated(self, pushed: dict[str, Any]) -> Generated:
        email = (pushed.get("metadata") or {}).get("agent_email")
        index = next((i for i, p in enumerate(ROSTER) if p.email == email), 0)
        return Generated(
            analysis_id=pushed["_analysis_id"],
            interaction_id=pushed["interaction_id"],
            external_id=pushed["external_interaction_id"],
            created=pushed["_analysis_created"],
            agent_index=index,
            failed=False,
            seed=stable_int(pushed["interaction_id"]),
        )

    def _pushed_list_item(self, pushed: dict[str, Any]) -> dict[str, Any]:
        return self.list_item(self._pushed_generated(pushed))

    def _pushed_detail(self, pushed: dict[str, Any]) -> dict[str, Any]:
        detail = self.detail(self._pushed_generated(pushed))
        detail["metadata"] = pushed.get("metadata") or {}
        return detail

    async def submit_batch(self, request: Request) -> Response:
        self._count("batch_submit")
        if (denied := self._gate(request, self.post_limit)) is not None:
            return denied
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "INVALID_JSON", "Request body is not valid JSON")
        items = body.get("interactions")
        if not isinstance(items, list) or not 1 <= len(items) <= 100:
            return _error(400, "VALIDATION_ERROR", "interactions must hold 1 to 100 items")
        skip_dupes = bool(body.get("skip_duplication_check"))
        batch_id = str(uuid.uuid4())
        accepted: list[str] = []
        errors = []
        with self._lock:
            known = {p["external_interaction_id"] for p in self.pushed.values()}
            for line, item in enumerate(items, start=1):
                external = item.get("external_interaction_id")
                self.submitted_external_ids.append(str(external))
                reason = None
                if not external or not item.get("channel_type"):
                    reason = "external_interaction_id and channel_type are required"
                elif not (item.get("audio_url") or item.get("transcript_url")):
                    reason = "At least one of audio_url, transcript_url must be provided"
                elif len(item.get("metadata") or {}) > 50:
                    reason = "metadata must not exceed 50 keys"
                elif external in known and not skip_dupes:
                    reason = (
                        "Duplicate: interaction with this external_interaction_id already exists"
                    )
                if reason:
                    errors.append(
                        {"line": line, "reason": reason, "external_interaction_id": external}
                    )
                    continue
                interaction_id = str(uuid.uuid4())
                now = self.clock.now()
                self.pushed[interaction_id] = {
                    "interaction_id": interaction_id,
                    "external_interaction_id": external,
                    "batch_id": batch_id,
                    "channel_type": item["channel_type"],
                    "source": item.get("source"),
                    "status": "queued",
                    "status_modified_at": _local(now),
                    "audio_url": item.get("audio_url"),
                    "transcript_url": item.get("transcript_url"),
                    "pii_redacted": bool(item.get("pii_redacted", False)),
                    "created_at": _local(now),
                    "metadata": item.get("metadata") or {},
                    "analyses": [],
                }
                known.add(external)
                accepted.append(interaction_id)
            self.batches[batch_id] = accepted
            self._batch_errors[batch_id] = errors
        return await self._ok(
            {
                "id": batch_id,
                "type": "batch",
                "status": "pending",
                "accepted": len(accepted),
                "rejected": len(errors),
                "errors": errors,
            },
            202,
        )

    async def get_batch(self, request: Request) -> Response:
        self._count("batch_get")
        if (denied := self._gate(request, self.get_limit)) is not None:
            return denied
        batch_id = request.path_params["batch_id"]
        if batch_id not in self.batches:
            return _error(404, "NOT_FOUND", "Job not found")
        page = max(int(request.query_params.get("page", "0")), 0)
        size = min(max(int(request.query_params.get("size", "20")), 1), 100)  # silently clamped
        ids = self.batches[batch_id]
        chunk = [_public(self.pushed[i]) for i in ids[page * size : (page + 1) * size]]
        errors = self._batch_errors.get(batch_id, [])
        return await self._ok(
            {
                "id": batch_id,
                "total": len(ids),
                "interactions": chunk,
                "pagination": {
                    "page": page,
                    "size": size,
                    "total_elements": len(ids),
                    "total_pages": max(math.ceil(len(ids) / size), 1),
                },
                "job_status": "completed",
                "job_type": "batch",
                "total_rows": len(ids) + len(errors),
                "accepted": len(ids),
                "rejected": len(errors),
                "errors": errors[:100],
                "completed_at": _local(self.clock.now()),
            }
        )


def _public(pushed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pushed.items() if not k.startswith("_")}


def _created(item: Generated | dict[str, Any]) -> datetime:
    return item.created if isinstance(item, Generated) else item["_analysis_created"]


def _analysis_id(item: Generated | dict[str, Any]) -> str:
    return item.analysis_id if isinstance(item, Generated) else item["_analysis_id"]


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


SIMULATOR = CqaSandbox
