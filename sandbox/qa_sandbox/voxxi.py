"""Voxxi, simulated: calls created with 202 and analysed asynchronously (processing, then
completed or failed after a few polls), presigned uploads, agents, both documented error
shapes, and a create that can be held open (to kill a client between its request and its
record of it) or answered late (a timeout after the call was created)."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa_sandbox.faults import ECHO_PADDING, UNLIMITED, FaultInjector, SlidingWindowLimit
from qa_sandbox.roster import ROSTER, Person, stable_int, stable_uuid
from qa_sandbox.simulator import Simulator
from qa_sandbox.values import OddValues

IST = timezone(timedelta(hours=5, minutes=30))
SECTIONS = (
    (
        "Opening",
        (
            ("Did the agent greet the caller and give their name?", 10),
            ("Did the agent confirm the reason for the call?", 10),
        ),
    ),
    (
        "Compliance",
        (
            ("Was the call recording disclosure read?", 20),
            ("Was the caller's identity verified before account details?", 20),
        ),
    ),
    ("Closing", (("Did the agent summarise the next steps?", 10),)),
)
RESULTS = ("Yes", "Yes", "Yes", "No", "Partially", "N/A")


def member_id(person: Person) -> str:
    return "mem_" + stable_uuid("voxxi-member", person.key)[:12]


@dataclass
class Call:
    call_id: str
    body: dict[str, Any]
    created: datetime
    polls: int = 0


@dataclass
class VoxxiSandbox(Simulator):
    name: ClassVar[str] = "voxxi"
    prefix = "/voxxi/api/external/v1"

    api_key: str = "vx_sandbox_api_key_0123456789"
    faults: FaultInjector = field(default_factory=FaultInjector)
    odd: OddValues = field(default_factory=OddValues)
    # Faults of create requests alone (a fault of `faults` strikes whatever request is next).
    create_faults: FaultInjector = field(default_factory=FaultInjector)
    limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(UNLIMITED))
    # Polls of a call's analysis before it is final, and what Voxxi calls the wait meanwhile
    # (`pending` in its sample; the pipeline must not take an unknown word for an end).
    polls_to_finish: int = 2
    in_progress_status: str = "pending"
    # Voxxi documents no final status: its words for a call analysed and for one that failed
    # (and the field with the reason), here `completed`, `failed`, `failureReason` unless a
    # test says otherwise.
    done_status: str = "completed"
    failed_status: str = "failed"
    failure_field: str = "failureReason"
    # One call in this many fails at random (0: none); a call whose audio URL says "fail"
    # always does. A test that needs its call to complete sets 0.
    fail_one_in: int = 9
    # The older error shape (`{"error": {"code", "message", "type"}}`) instead of the newer.
    old_error_shape: bool = False
    # Error bodies echo the credential they were sent (a careless vendor or proxy).
    echo_credentials: bool = False
    credentials_seen: set[str] = field(default_factory=set)
    # Members who have left: no longer in the agent list (their calls stay).
    departed: set[str] = field(default_factory=set)
    # A create request is recorded, then held until this is set (a client killed meanwhile).
    hold_creates: threading.Event | None = None
    # A create request is recorded, then answered this late (a client times out first).
    create_delay_seconds: float = 0.0
    # The storage behind presigned URLs is down: every upload is answered 503.
    refuse_uploads: bool = False
    calls: dict[str, Call] = field(default_factory=dict)
    creates: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    base_url: str = ""
    _presigned: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> list[Route]:
        return [
            Route("/calls", self.create_call, methods=["POST"]),
            Route("/calls/presigned-url", self.presigned_url, methods=["POST"]),
            Route("/calls/{call_id}/analysis", self.analysis),
            Route("/agents", self.agents),
            Route("/uploads/{key}", self.upload, methods=["PUT"]),
        ]

    def env(self, base_url: str) -> dict[str, str]:
        self.base_url = base_url
        return {"VOXXI_BASE_URL": base_url, "VOXXI_API_TOKEN": self.api_key}

    @staticmethod
    def unlimited_env() -> dict[str, str]:
        """The pipeline's own budget for this vendor, lifted."""
        return {"VOXXI_REQUESTS_PER_MINUTE": str(UNLIMITED)}

    def remove_rate_limits(self) -> None:
        self.limit = SlidingWindowLimit(UNLIMITED)

    # --- the data -------------------------------------------------------------------------

    def member(self, member: str) -> Person | None:
        """A call's agent: `memberId` is a member id or an agent's email."""
        wanted = member.strip().lower()
        for person in ROSTER:
            if wanted in (member_id(person).lower(), (person.email or "").lower()):
                return person
        return None

    def _analysis(self, call: Call) -> dict[str, Any]:
        seed = stable_int("voxxi", call.call_id)
        sections, score, total = [], 0, 0
        for s_index, (name, criteria) in enumerate(SECTIONS):
            items, s_score, s_total = [], 0, 0
            for c_index, (question, points) in enumerate(criteria):
                result = RESULTS[(seed >> (3 * (s_index * 3 + c_index))) % len(RESULTS)]
                earned = {"Yes": points, "Partially": points // 2, "No": 0}.get(result)
                if earned is not None:
                    s_score += earned
                    s_total += points
                items.append(
                    {
                        "criteriaId": stable_uuid("voxxi-criteria", name, question)[:18],
                        "question": question,
                        "result": result,
                        "rationale": f"{result}: heard at {(seed >> c_index) % 300} s",
                    }
                )
            sections.append(
                {
                    "sectionId": stable_uuid("voxxi-section", name)[:18],
                    "sectionName": name,
                    "score": s_score,
                    "totalScore": s_total,
                    "criterias": items,
                }
            )
            score, total = score + s_score, total + s_total
        outcome = "Meets expectations" if total and score / total >= 0.7 else "Needs coaching"
        return {
            "score": score,
            "outcomeLabel": outcome,
            "outcomeRationale": f"{score} of {total} points.",
            "callObservations": ["Customer asked twice about the refund date."],
            "areasForImprovement": None if score == total else ["Verify identity earlier."],
            "extractions": {"reason": "billing"},
            "sections": sections,
        }

    def _fails(self, call: Call) -> bool:
        at_random = (
            self.fail_one_in and stable_int("voxxi-fail", call.call_id) % self.fail_one_in == 0
        )
        return "fail" in call.body["audio_url"] or bool(at_random)

    def _document(self, call: Call) -> dict[str, Any]:
        finished = call.polls > self.polls_to_finish
        status = "processing" if call.polls == 1 else self.in_progress_status
        if finished:
            status = self.failed_status if self._fails(call) else self.done_status
        # updatedAt moves when the analysis moves on, not at every look at it.
        steps = 0 if call.polls <= 1 else (2 if finished else 1)
        updated = call.created + timedelta(minutes=steps)
        data: dict[str, Any] = {
            "callId": call.call_id,
            "status": status,
            "analysis": self._analysis(call) if status == self.done_status else None,
            "metadata": {
                "date": call.body.get("date"),
                "duration": 60 + stable_int("voxxi-duration", call.call_id) % 900,
                "summary": "Customer called about a double charge; refund promised."
                if status == self.done_status
                else None,
                "audioUrl": call.body["audio_url"],
                "udfs": call.body.get("udfs") or {},
                "createdAt": _iso(call.created),
                "updatedAt": _iso(updated),
            },
        }
        if status == self.failed_status:
            data[self.failure_field] = "Recording could not be ingested"
        return data

    def demo_inbox(self, folder: Path, days: list[date]) -> dict[str, str]:
        """Calls for the demo to submit: a few a day, agents by member id or by email, one
        local recording to upload. Returns the variable that points the pipeline at them."""
        folder.mkdir(parents=True, exist_ok=True)
        recording = folder / "recordings" / "demo-call.wav"
        recording.parent.mkdir(exist_ok=True)
        recording.write_bytes(b"RIFF" + bytes(64))
        rows = []
        for day in days:
            for index, person in enumerate(p for p in ROSTER if p.active and p.email):
                if stable_int("voxxi-demo", day, person.key) % 3:
                    continue
                rows.append(
                    {
                        "audio_url": f"https://recordings.example.com/{day}/{person.key}.wav",
                        "memberId": person.email if index % 2 else member_id(person),
                        "categoryId": "cat_support",
                        "date": day.isoformat(),
                        "udfs": {"queue": "support"},
                    }
                )
        rows.append(
            {
                "audio_url": "recordings/demo-call.wav",
                "memberId": member_id(ROSTER[0]),
                "categoryId": "cat_support",
                "date": days[-1].isoformat(),
            }
        )
        (folder / "calls.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
        return {"VOXXI_INBOX_PATH": str(folder)}

    # --- the API --------------------------------------------------------------------------

    def _count(self, name: str) -> None:
        with self._lock:
            self.requests[name] = self.requests.get(name, 0) + 1

    def _gate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        key = header.removeprefix("Bearer ") if header else request.headers.get("x-api-key")
        self.saw(key)
        if not key:
            return self._error(401, "authentication_failed", "Missing API key")
        if key != self.api_key:
            message = "Invalid API key"
            if self.echo_credentials:
                message += f" {ECHO_PADDING} key={key}"
            return self._error(401, "authentication_failed", message)
        wait = self.limit.check("voxxi")
        if wait is not None:
            response = self._error(429, "rate_limited", "Too many requests")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        return None

    def _error(self, status: int, code: str, message: str) -> JSONResponse:
        if self.old_error_shape:
            kind = "authentication_error" if status == 401 else "api_error"
            body: dict[str, Any] = {"error": {"code": code, "message": message, "type": kind}}
        else:
            body = {"error": message}
        return JSONResponse(body, status)

    async def _reply(self, data: Any, status: int = 200) -> Response:
        body = self.odd.body(json.dumps({"data": data}).encode())
        await self.faults.delay()
        fault = self.faults.next_fault()
        if fault:
            return await self.faults.respond(fault, body)
        return Response(body, status, media_type="application/json")

    async def create_call(self, request: Request) -> Response:
        self._count("create")
        if (denied := self._gate(request)) is not None:
            return denied
        # A rate limit refuses the request before it is read; any other fault strikes after
        # the call was created, losing only the answer.
        await self.faults.delay()
        fault = self.create_faults.next_fault() or self.faults.next_fault()
        if fault and fault.startswith("429"):
            return await self.faults.respond(fault, b"")
        try:
            body = await request.json()
        except ValueError:
            return self._error(400, "invalid_json", "Request body is not valid JSON")
        missing = [k for k in ("memberId", "categoryId", "audio_url") if not body.get(k)]
        if missing:
            return self._error(400, "validation_error", f"{', '.join(missing)} is required")
        if self.member(str(body["memberId"])) is None:
            return self._error(400, "validation_error", f"Unknown member {body['memberId']}")
        with self._lock:
            # The same recording and category sent again is a new call: ids differ by the
            # count of earlier ones, and are the same in every run (marts can be compared).
            identity = (body["audio_url"], body["categoryId"])
            earlier = sum(1 for c in self.creates if (c["audio_url"], c["categoryId"]) == identity)
            call = Call(
                stable_uuid("voxxi-call", *identity, earlier), body, _created(body.get("date"))
            )
            self.calls[call.call_id] = call
            self.creates.append(body)
        if self.hold_creates is not None:
            await asyncio.to_thread(self.hold_creates.wait, 120)
        if self.create_delay_seconds:
            await asyncio.sleep(self.create_delay_seconds)
        body = json.dumps({"data": {"callId": call.call_id, "status": "processing"}}).encode()
        if fault:
            return await self.faults.respond(fault, body)
        return Response(body, 202, media_type="application/json")

    async def analysis(self, request: Request) -> Response:
        self._count("analysis")
        if (denied := self._gate(request)) is not None:
            return denied
        call = self.calls.get(request.path_params["call_id"])
        if call is None:
            return self._error(404, "not_found", "Call not found")
        with self._lock:
            call.polls += 1
        return await self._reply(self.odd.record(self._document(call)))

    async def presigned_url(self, request: Request) -> Response:
        self._count("presign")
        if (denied := self._gate(request)) is not None:
            return denied
        body = await request.json()
        if not body.get("filename") or not body.get("contentType"):
            return self._error(400, "validation_error", "filename and contentType are required")
        with self._lock:
            # Keys the same in every run (a call's id, and its fate, follow from its URL).
            self._presigned += 1
            name = body["filename"]
            key = f"{stable_uuid('voxxi-upload', name, self._presigned)}-{name}"
        return await self._reply(
            {
                "key": key,
                "presignedUrl": f"{self.base_url}/uploads/{key}?signature={uuid.uuid4().hex}",
                "publicUrl": f"https://storage.voxxi.example/{key}",
            }
        )

    async def upload(self, request: Request) -> Response:
        # The storage behind a presigned URL: no API key, the signature in the URL.
        if "signature" not in request.query_params:
            return Response(status_code=403)
        if self.refuse_uploads:
            return Response(status_code=503)
        with self._lock:
            self.uploads[request.path_params["key"]] = await request.body()
        return Response(status_code=200)

    async def agents(self, request: Request) -> Response:
        self._count("agents")
        if (denied := self._gate(request)) is not None:
            return denied
        return await self._reply(
            [
                self.odd.record(
                    {
                        "id": member_id(person),
                        "userId": stable_uuid("voxxi-user", person.key)[:16],
                        "name": person.name,
                        "email": person.email,
                        "image": None,
                        "createdAt": "2025-06-01T09:00:00Z",
                    }
                )
                for person in ROSTER
                if person.active and person.key not in self.departed
            ]
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _created(value: Any) -> datetime:
    """`createdAt` as Voxxi sets it: from `date` when given (a day alone is 09:00 IST, the
    start of the working day), else now. Naive UTC."""
    if not value:
        return _now()
    text = str(value).strip()
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%d/%m/%Y"):
        for time_form, day_only in (("", True), (" %H:%M", False), (" %H:%M:%S", False)):
            try:
                when = datetime.strptime(text, form + time_form)
            except ValueError:
                continue
            if day_only:
                when = when.replace(hour=9)
            return when.replace(tzinfo=IST).astimezone(UTC).replace(tzinfo=None)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _now()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=IST)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


SIMULATOR = VoxxiSandbox
