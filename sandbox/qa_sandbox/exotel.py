"""Exotel ExoVoiceAnalyze, simulated: insights requested per call (Basic auth, both error
shapes, 200 requests a minute), then the results posted to each request's callback URL a
little later, as Exotel does: retried up to twice when the receiver does not answer 2xx within
15 s, some posted twice anyway (a retry after a lost answer), some calls failing without a
`task_id` in the body. A request can be held open or answered late, to lose its answer."""

from __future__ import annotations

import asyncio
import base64
import csv
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa_sandbox.faults import ECHO_PADDING, UNLIMITED, FaultInjector, SlidingWindowLimit
from qa_sandbox.roster import ROSTER, stable_int, stable_uuid
from qa_sandbox.simulator import Simulator
from qa_sandbox.values import OddValues

IST = timezone(timedelta(hours=5, minutes=30))
TASKS = ("summarization", "sentiment", "categorise", "transcript")
SENTIMENTS = ("POSITIVE", "NEUTRAL", "NEGATIVE")
NO_RECORDING = "Forbidden to access recording url of call"
# Where `qa-warehouse receiver` listens by default.
DEFAULT_CALLBACK_URL = "http://127.0.0.1:8780/webhooks/exotel"


@dataclass
class Job:
    job_id: str
    call_sid: str
    task_id: str
    callback_url: str
    tasks: list[str]
    categories: list[str]


@dataclass(frozen=True)
class Attempt:
    """One post of a result to a callback URL, and what the receiver answered."""

    job_id: str
    attempt: int
    status: int | None
    error: str | None = None


@dataclass
class ExotelSandbox(Simulator):
    name: ClassVar[str] = "exotel"
    # The receiver it posts to (set by `callback_env`), and the deliveries still on their way.
    keep_on_reset = Simulator.keep_on_reset | {"callback_url", "_tasks"}
    prefix = "/exotel/v1"

    account_sid: str = "qawsandbox1"
    api_key: str = "exo_sandbox_key_0123456"
    api_token: str = "exo_sandbox_token_456789"
    webhook_secret: str = "sandbox-webhook-secret-0123456789"
    callback_url: str = DEFAULT_CALLBACK_URL
    faults: FaultInjector = field(default_factory=FaultInjector)
    odd: OddValues = field(default_factory=OddValues)
    # Posts each result to the callback URL without its query string: nothing in Exotel's
    # documents says it keeps one.
    drop_query: bool = False
    # Faults of insight requests alone (a rate limit before, anything else after the job).
    create_faults: FaultInjector = field(default_factory=FaultInjector)
    limit: SlidingWindowLimit = field(default_factory=lambda: SlidingWindowLimit(200, 60.0))
    # A result is posted this long after its request.
    delivery_delay_seconds: float = 0.3
    # Exotel's webhook rules: an answer within 15 s, up to 2 retries otherwise.
    answer_timeout_seconds: float = 15.0
    max_retries: int = 2
    # Exotel's own pause between retries is longer; the sandbox's keeps the tests short.
    retry_delay_seconds: float = 0.2
    # One in this many results is posted a second time after a 2xx (0: never).
    duplicate_every: int = 4
    # Results wait until this is set (a receiver restarted meanwhile, say).
    hold_deliveries: threading.Event | None = None
    # A request is recorded (and its job queued), then held until this is set.
    hold_creates: threading.Event | None = None
    # A request is recorded, then answered this late (a client times out first).
    create_delay_seconds: float = 0.0
    # Error bodies echo the credentials they were sent (a careless vendor or proxy).
    echo_credentials: bool = False
    credentials_seen: set[str] = field(default_factory=set)
    jobs: dict[str, Job] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self) -> list[Route]:
        return [
            Route(
                "/Accounts/{account_sid}/Calls/{call_sid}/ExoVoiceAnalyze.json",
                self.analyze,
                methods=["POST"],
            )
        ]

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "EXOTEL_BASE_URL": base_url,
            "EXOTEL_ACCOUNT_SID": self.account_sid,
            "EXOTEL_API_KEY": self.api_key,
            "EXOTEL_API_TOKEN": self.api_token,
            "EXOTEL_WEBHOOK_SECRET": self.webhook_secret,
            "EXOTEL_CALLBACK_URL": self.callback_url,
        }

    def callback_env(self, receiver_url: str) -> dict[str, str]:
        self.callback_url = f"{receiver_url}/webhooks/exotel"
        return {"EXOTEL_CALLBACK_URL": self.callback_url}

    @staticmethod
    def unlimited_env() -> dict[str, str]:
        return {"EXOTEL_REQUESTS_PER_MINUTE": str(UNLIMITED)}

    def remove_rate_limits(self) -> None:
        self.limit = SlidingWindowLimit(UNLIMITED)

    def settled(self) -> bool:
        """True when no result is still waiting to be posted."""
        return not any(not task.done() for task in list(self._tasks))

    # --- the data -------------------------------------------------------------------------

    @staticmethod
    def fails(call_sid: str) -> bool:
        return "norec" in call_sid or stable_int("exotel-fail", call_sid) % 7 == 0

    def result(self, job: Job) -> dict[str, Any]:
        if self.fails(job.call_sid):
            # As Exotel documents it: no task_id in a failure.
            return {
                "success": False,
                "reason": NO_RECORDING,
                "job_id": job.job_id,
                "callSID": job.call_sid,
            }
        seed = stable_int("exotel", job.call_sid)
        body: dict[str, Any] = {
            "success": True,
            "reason": "",
            "task_id": job.task_id,
            "job_id": job.job_id,
            "callSID": job.call_sid,
        }
        if "summarization" in job.tasks:
            body["summary"] = {
                "summary": "The caller asked about a double charge; the agent promised a "
                "refund within five days.",
                "confidence": round(0.6 + (seed % 40) / 100, 2),
            }
        if "sentiment" in job.tasks:
            body["sentiment"] = {
                "sentiment": SENTIMENTS[seed % 3],
                "confidence": round(0.5 + (seed >> 8) % 50 / 100, 2),
            }
        if "categorise" in job.tasks and job.categories:
            body["category"] = {
                "category": job.categories[(seed >> 16) % len(job.categories)],
                "confidence": round(0.55 + (seed >> 24) % 45 / 100, 2),
            }
        if "transcript" in job.tasks:
            body["transcript"] = (
                "Hello, thanks for calling.\nHi, I was charged twice.\n"
                "Let me check that for you.\nThank you.\n"
            )
        return body

    def demo_inbox(self, folder: Path, days: list[date]) -> dict[str, str]:
        """Calls for the demo to analyse, as a CSV of call SIDs, start times (IST, as
        Exotel's call records give them) and agents' emails."""
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for day in days:
            for person in (p for p in ROSTER if p.active and p.email):
                if stable_int("exotel-demo", day, person.key) % 3 == 0:
                    continue
                started = datetime.combine(day, time(10, 0), IST) + timedelta(
                    minutes=stable_int("exotel-minute", day, person.key) % 420
                )
                rows.append(
                    {
                        "call_sid": stable_uuid("exotel-call", day, person.key).replace("-", ""),
                        "start_time": started.isoformat(),
                        "agent_id": "",
                        "agent_email": person.email,
                    }
                )
        with (folder / "calls.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, ["call_sid", "start_time", "agent_id", "agent_email"])
            writer.writeheader()
            writer.writerows(rows)
        return {"EXOTEL_INBOX_PATH": str(folder)}

    # --- the API --------------------------------------------------------------------------

    def _credentials(self, request: Request) -> tuple[str, str] | None:
        header = request.headers.get("authorization", "")
        self.saw(header.split(" ", 1)[-1])
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    @staticmethod
    def _rest_exception(status: int, message: str) -> JSONResponse:
        return JSONResponse({"RestException": {"Status": status, "Message": message}}, status)

    @staticmethod
    def _invalid(description: str, status: int = 400) -> JSONResponse:
        return JSONResponse(
            {
                "request_id": uuid.uuid4().hex,
                "method": "POST",
                "http_code": status,
                "ResponseData": {
                    "Code": status,
                    "Message": "Invalid parameter" if status == 400 else "Not found",
                    "Description": description,
                },
            },
            status,
        )

    async def analyze(self, request: Request) -> Response:
        credentials = self._credentials(request)
        if credentials != (self.api_key, self.api_token):
            message = "Authentication is required to view this resource."
            if self.echo_credentials and credentials:
                message += f" {ECHO_PADDING} key={credentials[0]} token={credentials[1]}"
            return self._rest_exception(401, message)
        if request.path_params["account_sid"] != self.account_sid:
            return self._rest_exception(403, "Not authorised for this account")
        wait = self.limit.check(self.account_sid)
        await self.faults.delay()
        fault = self.create_faults.next_fault() or self.faults.next_fault()
        if wait is not None or (fault and fault.startswith("429")):
            response = self._rest_exception(429, "Too Many Requests")
            response.headers["Retry-After"] = str(max(1, round(wait or 1)))
            return response
        try:
            body = await request.json()
        except ValueError:
            return self._invalid("Request body is not valid JSON")
        if not isinstance(body, dict):
            return self._invalid("Request body is not a JSON object")
        for name in ("task_id", "callback_url", "insight_tasks"):
            if not body.get(name):
                return self._invalid(f"{name} is mandatory")
        tasks = body["insight_tasks"]
        if isinstance(tasks, str):
            tasks = [t.strip() for t in tasks.split(",")]
        if not isinstance(tasks, list) or any(t not in TASKS for t in tasks):
            return self._invalid("Invalid insight task")
        categories = body.get("categories") or []
        if "categorise" in tasks and not categories:
            return self._invalid("categories is mandatory with categorise")
        # The callback URL's signature is a credential too: made from the webhook secret.
        self.saw(str(body["callback_url"]).rsplit("/", 1)[-1].rsplit("sig=", 1)[-1])
        call_sid = request.path_params["call_sid"]
        if "unknown" in call_sid:
            return self._invalid("Call not found", 404)
        with self._lock:
            # A call asked about again gets a new job; ids are the same in every run.
            earlier = sum(1 for j in self.jobs.values() if j.call_sid == call_sid)
        job = Job(
            stable_uuid("exotel-job", call_sid, earlier),
            call_sid,
            str(body["task_id"]),
            body["callback_url"],
            tasks,
            list(categories),
        )
        with self._lock:
            self.jobs[job.job_id] = job
            self.requests.append(body)
        task = asyncio.get_running_loop().create_task(self._deliver(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self.hold_creates is not None:
            await asyncio.to_thread(self.hold_creates.wait, 120)
        if self.create_delay_seconds:
            await asyncio.sleep(self.create_delay_seconds)
        answer = json.dumps(
            {
                "request_id": uuid.uuid4().hex,
                "method": "POST",
                "http_code": 200,
                "success": True,
                "reason": "",
                "ExoVoiceAnalyze": {
                    "job_id": job.job_id,
                    "task_id": job.task_id,
                    "call_sid": call_sid,
                    "status": "queued",
                },
            }
        ).encode()
        if fault:
            # The job is queued; only the answer is lost.
            return await self.faults.respond(fault, answer)
        return Response(answer, 200, media_type="application/json")

    # --- the webhooks ---------------------------------------------------------------------

    async def _deliver(self, job: Job) -> None:
        await asyncio.sleep(self.delivery_delay_seconds)
        if self.hold_deliveries is not None:
            await asyncio.to_thread(self.hold_deliveries.wait, 300)
        body = self.odd.body(json.dumps(self.odd.record(self.result(job))).encode())
        posts = 1
        if (
            self.duplicate_every
            and stable_int("exotel-dup", job.job_id) % self.duplicate_every == 0
        ):
            posts = 2
        async with httpx.AsyncClient(timeout=self.answer_timeout_seconds) as client:
            for _ in range(posts):
                for attempt in range(1 + self.max_retries):
                    status, error = None, None
                    try:
                        response = await client.post(
                            job.callback_url.split("?", 1)[0]
                            if self.drop_query
                            else job.callback_url,
                            content=body,
                            headers={"Content-Type": "application/json"},
                        )
                        status = response.status_code
                    except httpx.HTTPError as exc:
                        error = type(exc).__name__
                    with self._lock:
                        self.attempts.append(Attempt(job.job_id, attempt, status, error))
                    if status is not None and status < 300:
                        break
                    await asyncio.sleep(self.retry_delay_seconds)


SIMULATOR = ExotelSandbox
