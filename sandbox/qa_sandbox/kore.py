"""Kore.ai Quality AI rawdata, simulated: three key dialects, "NA" and null scores, missing
Qualification and metric ids, several agents per conversation, below-threshold contacts."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa_sandbox.faults import ECHO_PADDING, UNLIMITED, FaultInjector, SlidingWindowLimit
from qa_sandbox.kore_bulk import BulkDay
from qa_sandbox.roster import ROSTER, Person, stable_int, stable_uuid
from qa_sandbox.simulator import Simulator
from qa_sandbox.values import OddValues

DIALECTS = ("camel", "title", "legacy")
METRICS = (
    ("UK Greeting Compliance Rate GEN", 28, 27, False),
    ("UK Proper Sign-off GenAI", 27, 26, True),
    ("Identity Verification", 25, 20, True),
    ("Manual Evaluation - UK - Manual Evaluation Metric", 0, 0, False),
)
QUEUES = (("Default Queue - Q1", "qu-c304439"), ("PublicApiQueue", "qu-16c07483"))


def kore_agent_id(person: Person) -> str:
    return "a-" + stable_uuid("kore-agent", person.key)


@dataclass(frozen=True)
class Conversation:
    """The sandbox's truth about one conversation, rendered per dialect on the way out."""

    conversation_id: str
    start: datetime
    duration_ms: int
    dialect: str
    agents: list[Person]
    score: float | str | None
    below_threshold: bool
    metrics: list[dict[str, Any]]
    audit_status: str
    audit_score: int | None
    auditor: str | None
    audit_date: datetime | None
    direction: str
    queue: tuple[str, str]
    sentiment_score: float | None
    custom_id: str | None


def _audit_score(day: date, seed: int, ai_score: float | str | None) -> int:
    """The auditor's score: near AutoQA's, a few points lower (the AI is a little lenient, more
    so some weeks than others), so that the calibration has something to find."""
    if not isinstance(ai_score, int | float):
        return (seed >> 16) % 101
    lenience = 3 + 2 * ((day.toordinal() // 7) % 3)
    noise = (seed >> 16) % 17 - 8
    return max(0, min(100, round(ai_score) - lenience + noise))


def _auditor_response(qualification: str | None, seed: int) -> str | None:
    """The auditor's answer to a metric AutoQA answered: the same, but one in six overturned."""
    if qualification not in ("YES", "NO"):
        return None
    if seed % 6 == 0:
        return "NO" if qualification == "YES" else "YES"
    return qualification


def _qualification(seed: int, below_threshold: bool, manual: bool) -> str | None:
    if below_threshold:
        return None
    if manual:
        return "-"
    return ("YES", "YES", "YES", "NO", "NA")[seed % 5]


@lru_cache(maxsize=16)
def generate_day(day: date, per_day: int) -> tuple[Conversation, ...]:
    """Deterministic conversations for one UTC day (whole-second start times)."""
    out: list[Conversation] = []
    for index in range(per_day):
        seed = stable_int("kore", day, index)
        start = datetime(day.year, day.month, day.day) + timedelta(seconds=seed % 86400)
        below = seed % 7 == 0
        agents = [ROSTER[seed % len(ROSTER)]]
        if seed % 5 == 0:
            agents.append(ROSTER[(seed // 7) % len(ROSTER)])
        metrics = []
        for m_index, (name, weight, negative, fatal) in enumerate(METRICS):
            qualification = _qualification(seed >> (m_index * 3), below, weight == 0)
            metrics.append(
                {
                    "id": "em-" + stable_uuid("metric", name),
                    "name": name,
                    "weight": weight,
                    "negative": negative,
                    "fatal": fatal,
                    "qualification": qualification,
                }
            )
        fatal_failed = any(m["fatal"] and m["qualification"] == "NO" for m in metrics)
        audit_pick = (seed >> 12) % 4
        audited = audit_pick == 0 and not below
        for m_index, metric in enumerate(metrics):
            metric["auditor_response"] = (
                _auditor_response(
                    metric["qualification"], stable_int("kore-audit", day, index, m_index)
                )
                if audited
                else None
            )
        if below:
            score: float | str | None = None
        elif seed % 11 == 0:
            score = "NA"
        elif fatal_failed:
            score = 0
        else:
            score = (seed >> 20) % 101
        out.append(
            Conversation(
                conversation_id="c-" + stable_uuid("kore-conv", day, index),
                start=start,
                duration_ms=0 if below else 30_000 + (seed >> 8) % 900_000,
                # The 2024 dialect predates below-threshold contacts: they never appear in it.
                dialect=DIALECTS[(seed >> 4) % (2 if below else 3)],
                agents=agents,
                score=score,
                below_threshold=below,
                metrics=metrics,
                audit_status=("Audited", "Assigned", "Not Assigned", "Not Assigned")[audit_pick]
                if not below
                else "Not Assigned",
                audit_score=_audit_score(day, seed, score) if audited else None,
                auditor="Jane Supervisor" if audited else None,
                audit_date=start + timedelta(hours=3) if audited else None,
                direction=("inbound", "outbound")[(seed >> 3) % 2],
                queue=QUEUES[(seed >> 5) % 2],
                sentiment_score=None if below else round(((seed >> 24) % 400) / 100 - 2, 2),
                custom_id=f"ext-{index:05d}" if seed % 3 == 0 else None,
            )
        )
    return tuple(out)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def render(conv: Conversation) -> dict[str, Any]:
    """One result row in the conversation's dialect."""
    end = conv.start + timedelta(milliseconds=conv.duration_ms)
    if conv.dialect == "camel":
        # The vendor doc's sample dialect, with the table's camelCase fields.
        row: dict[str, Any] = {
            "conversationId": conv.conversation_id,
            "contact_direction": conv.direction,
            "is_direction_defaulted": False,
            "AuditStatus": conv.audit_status,
            "AuditScore": conv.audit_score,
            "audit_date": conv.audit_date.strftime("%Y-%m-%d %H:%M:%S")
            if conv.audit_date
            else None,
            "auditor": conv.auditor,
            "Queues": [{"Queue ID": conv.queue[1], "Queue Name": conv.queue[0]}],
            "Agents": [
                {"Agent ID": kore_agent_id(p), "Agent Name": p.name, "Agent Email": p.email}
                for p in conv.agents
            ],
            "koreEvalutionScore": conv.score,
            "fatalErrorCount": sum(m["fatal"] and m["qualification"] == "NO" for m in conv.metrics),
            "Language": "English",
            "duration_status": "below_threshold" if conv.below_threshold else "evaluated",
            "conversationStartTime": _ts(conv.start),
            "conversationEndTime": _ts(end),
            "duration": conv.duration_ms,
            "sentimentScore": conv.sentiment_score,
            "Metrics": [_metric(m, "Metric ID", "Metric Name") for m in conv.metrics],
        }
    elif conv.dialect == "title":
        # The newest rawdata samples: Title Case with spaces, Duration with a unit.
        row = {
            "Conversation ID": conv.conversation_id,
            "contact_direction": conv.direction,
            "Conversation Start Time": _ts(conv.start),
            "Conversation End Time": _ts(end),
            "Duration": f"{conv.duration_ms} milliseconds",
            "Language": "English",
            "Kore Evaluation Score": conv.score,
            "Fatal Errors": sum(m["fatal"] and m["qualification"] == "NO" for m in conv.metrics),
            "duration_status": "below_threshold" if conv.below_threshold else "evaluated",
            "Audit Status": conv.audit_status,
            "Audit Score": conv.audit_score,
            "Audit Date": _ts(conv.audit_date),
            "Auditor Name": conv.auditor,
            "Queues": [{"Queue ID": conv.queue[1], "Queue Name": conv.queue[0]}],
            "Agents": [
                {"Agent ID": kore_agent_id(p), "Agent Name": p.name, "Agent Email": p.email}
                for p in conv.agents
            ],
            "Sentiment Score": conv.sentiment_score,
            "Metrics": [_metric(m, "Metric ID", "Metric Name") for m in conv.metrics],
        }
    else:
        # The 2024 dialect: no duration_status, Intents/Topics, metrics without ids.
        row = {
            "Conversation ID": conv.conversation_id,
            "contactDirection": conv.direction,
            "Conversation Start Time": _ts(conv.start),
            "Conversation End Time": _ts(end),
            "Duration": f"{conv.duration_ms / 1000:g} seconds",
            "language": "English",
            "koreEvaluationScore": conv.score,
            "Fatal Errors": sum(m["fatal"] and m["qualification"] == "NO" for m in conv.metrics),
            "auditStatus": "Unassigned"
            if conv.audit_status == "Not Assigned"
            else conv.audit_status,
            "AuditScore": conv.audit_score,
            "AuditDate": _ts(conv.audit_date),
            "AuditorName": conv.auditor,
            "Queues": [{"queueId": conv.queue[1], "queueName": conv.queue[0]}],
            "Agents": [
                {"agentId": kore_agent_id(p), "agentName": p.name, "agentEmail": p.email}
                for p in conv.agents
            ],
            "Sentiment Score": conv.sentiment_score,
            "Intents": [],
            "Topics": [],
            "Metrics": [_metric(m, None, "Metric Name") for m in conv.metrics],
        }
    if conv.custom_id:
        row["customConversationId"] = conv.custom_id
    return row


def _metric(metric: dict[str, Any], id_key: str | None, name_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if id_key:
        out[id_key] = metric["id"]
    out[name_key] = metric["name"]
    out["Metric Weight"] = metric["weight"]
    out["Metric Negative Weight"] = metric["negative"]
    if metric["qualification"] is not None:
        out["Qualification"] = metric["qualification"]
    out["isFatalError"] = metric["fatal"]
    # Null unless the conversation was audited, as in Kore's samples.
    out["Auditor Response"] = metric.get("auditor_response")
    return out


@dataclass
class KoreSandbox(Simulator):
    name: ClassVar[str] = "kore"
    stream_id: str = "st-sandbox"
    account_id: str = "67a9ca06cf0e510a86320000"
    org_id: str = "o-sandbox"
    client_id: str = "cs-sandbox-client"
    client_secret: str = "sandbox-kore-client-secret-0123456789"
    per_day: int = 40
    faults: FaultInjector = field(default_factory=FaultInjector)
    odd: OddValues = field(default_factory=OddValues)
    limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(60, 60.0))
    # How `offset` and `page` combine, which Kore's reference leaves open: both (skip
    # `offset + (page - 1) * limit`, the default), `offset` alone, `page` alone, or neither
    # (page 1 whatever is asked: a broken server).
    paging: str = "both"
    # The app's "Enforce JTI": a token must carry a `jti`, and one seen before is refused.
    enforce_jti: bool = False
    jtis_seen: set[str] = field(default_factory=set)
    extra_records: dict[date, list[dict[str, Any]]] = field(default_factory=dict)
    credentials_seen: set[str] = field(default_factory=set)
    requests: int = 0
    # Days served from a template instead (the benchmark's 100,000s of conversations).
    bulk_days: dict[date, BulkDay] = field(default_factory=dict)
    # Days answered with one fixed document, byte for byte (Kore's documented sample).
    documents: dict[date, bytes] = field(default_factory=dict)
    # Pages never hold more than this, whatever `limit` asked (a server capping page size).
    page_size_cap: int | None = None
    # Error bodies echo the credential they were sent (a careless vendor or proxy).
    echo_credentials: bool = False
    request_bodies: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    prefix = "/kore"

    def routes(self) -> list[Route]:
        return [
            Route(
                "/qualityai/api/v1/public/qualitymanagement/app/{stream_id}/rawdata",
                self.rawdata,
                methods=["POST"],
            )
        ]

    @staticmethod
    def unlimited_env() -> dict[str, str]:
        """The pipeline's own budget for this vendor, lifted."""
        return {"KORE_REQUESTS_PER_MINUTE": str(UNLIMITED)}

    def remove_rate_limits(self) -> None:
        self.limit = SlidingWindowLimit(UNLIMITED)

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "KORE_BASE_URL": base_url,
            "KORE_STREAM_ID": self.stream_id,
            "KORE_ACCOUNT_ID": self.account_id,
            "KORE_ORG_ID": self.org_id,
            "KORE_CLIENT_ID": self.client_id,
            "KORE_CLIENT_SECRET": self.client_secret,
        }

    def conversations(self, day: date, *, include_below_threshold: bool) -> list[Conversation]:
        return [
            c
            for c in generate_day(day, self.per_day)
            if include_below_threshold or not c.below_threshold
        ]

    def _authorised(self, request: Request) -> bool:
        token = request.headers.get("auth", "")
        with self._lock:
            self.saw(token)
        try:
            claims = jwt.decode(token, self.client_secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        if self.enforce_jti:
            jti = claims.get("jti")
            with self._lock:
                if not jti or jti in self.jtis_seen:
                    return False
                self.jtis_seen.add(jti)
        return (
            claims.get("appId") == self.client_id
            and request.headers.get("accountId") == self.account_id
            and bool(request.headers.get("orgId"))
        )

    async def rawdata(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
        if request.path_params["stream_id"] != self.stream_id:
            return JSONResponse({"msg": "Stream not found", "code": 404}, 404)
        if not self._authorised(request):
            message = "Invalid SDK credentials"
            if self.echo_credentials:
                message += f" {ECHO_PADDING} auth={request.headers.get('auth', '')}"
            return JSONResponse({"msg": message, "code": 4002}, 401)
        wait = self.limit.check(self.account_id)
        if wait is not None:
            return JSONResponse(
                {"msg": "Rate limit exceeded: 60 requests per minute, wait before retrying"},
                429,
                headers={"Retry-After": str(math.ceil(wait))},
            )
        body = await request.json()
        try:
            start = _parse_date(body["startDate"])
            end = _parse_date(body["endDate"])
            offset = int(body.get("offset", 0))
            page = int(body.get("page", 1))
            limit = min(max(int(body.get("limit", 10)), 1), 100)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"msg": f"Invalid request: {exc}", "code": 400}, 400)
        include_below = bool(body.get("include_below_threshold", False))
        with self._lock:
            self.request_bodies.append(json.dumps(body, sort_keys=True))
        if start.date() in self.documents:
            return Response(self.documents[start.date()], media_type="application/json")
        if self.page_size_cap is not None:
            limit = min(limit, self.page_size_cap)
        bulk = self.bulk_days.get(start.date())
        if bulk is not None and end.date() == start.date():
            return Response(
                bulk.page(bulk.index_range(start, end), offset + (page - 1) * limit, limit),
                media_type="application/json",
            )

        matches: list[Conversation | dict[str, Any]] = []
        day = start.date()
        while day <= end.date():
            for conv in self.conversations(day, include_below_threshold=include_below):
                if start <= conv.start <= end:
                    matches.append(conv)
            matches.extend(self.extra_records.get(day, []))
            day += timedelta(days=1)
        if self.paging not in ("both", "offset", "page"):
            offset, page = 0, 1
        elif self.paging == "offset":
            page = 1
        elif self.paging == "page":
            offset = 0
        skip = offset + (page - 1) * limit
        chunk = [
            self.odd.record(render(item) if isinstance(item, Conversation) else item)
            for item in matches[skip : skip + limit]
        ]
        payload = {
            "results": chunk,
            "totalResults": len(matches),
            "hasMore": True if self.paging == "neither" else skip + limit < len(matches),
            "totalPages": math.ceil(len(matches) / limit),
        }
        good = self.odd.body(json.dumps(payload).encode())
        await self.faults.delay()
        fault = self.faults.next_fault()
        if fault:
            return await self.faults.respond(fault, good, request.headers.get("auth", ""))
        return Response(good, media_type="application/json")


def _parse_date(value: str) -> datetime:
    value = value.strip().replace("T", " ").rstrip("Z")
    return datetime.fromisoformat(value[:19])


SIMULATOR = KoreSandbox
