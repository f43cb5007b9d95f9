"""EvaluAgent, simulated with the shapes in evaluagent-response-shapes.md: JSON:API pages of 50,
re-published evaluations, deactivated users, oddly typed emails, a user without email, long
feedback, N/A line items, auto-fail, per-endpoint rate limits, and Basic auth that stops working
once a bearer token has been created."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa_sandbox.faults import ECHO_PADDING, UNLIMITED, FaultInjector, SlidingWindowLimit
from qa_sandbox.roster import ROSTER, Person, stable_int, stable_uuid
from qa_sandbox.simulator import Simulator
from qa_sandbox.values import OddValues

PAGE_SIZE = 50
TEAMS = ("Billing", "Retention", "Tech Support", "Sales")
EVALUATORS = (
    ("jane", "Jane Supervisor", "jane.supervisor@example.com"),
    ("quinn", "Quinn Analyst", "Quinn.Analyst@example.com "),
)
SCORECARD = (
    (
        "Opening",
        (
            ("Did the agent greet the customer?", 2, False),
            ("Did the agent verify the customer's identity?", 3, True),
            ("Did the agent confirm the reason for the call?", 1, False),
        ),
    ),
    (
        "Resolution",
        (
            ("Was the issue resolved?", 4, False),
            ("Did the agent offer further help?", 1, False),
            ("Did the agent close the call politely?", 1, False),
        ),
    ),
)
OUTCOMES = (("Yes", 1.0), ("Yes", 1.0), ("Partially", 0.5), ("No", 0.0), ("N/A", None))


def user_id(key: str) -> str:
    return stable_uuid("evaluagent-user", key)


def group_id(team: str) -> str:
    return stable_uuid("evaluagent-group", team)


def typed_email(person: Person) -> str | None:
    """Emails as an admin typed them: mixed case, stray spaces."""
    if person.email is None:
        return None
    local, domain = person.email.split("@")
    variants = (
        person.email,
        f" {local.title()}@{domain.upper()} ",
        f"{local.upper()}@{domain}",
    )
    return variants[stable_int("email", person.key) % len(variants)]


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime:
    value = value.strip()
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@dataclass
class EvaluAgentSandbox(Simulator):
    name: ClassVar[str] = "evaluagent"
    access_key_id: str = "ea-sandbox-access-key"
    secret_key: str = "ea-sandbox-secret-key-0123456789"
    per_day: int = 60
    faults: FaultInjector = field(default_factory=FaultInjector)
    odd: OddValues = field(default_factory=OddValues)
    limit_per_minute: int = 100
    # 10,000 a day per key and endpoint; tests shorten the day.
    limit_per_day: int = 10_000
    day_seconds: float = 86_400.0
    versions: dict[str, int] = field(default_factory=dict)
    bearer_token: str | None = None
    requests: dict[str, int] = field(default_factory=dict)
    detail_ids: list[str] = field(default_factory=list)
    token_requests: int = 0
    # Paging quirks: pages without `links`, and a `meta` total above the rows served.
    omit_links: bool = False
    extra_total: int = 0
    # Users and groups: the reference says only "Returns an array of users": the whole array
    # on every request, `page[number]` ignored, no `meta` or `links` (the default), or paged
    # like the evaluations list.
    directory_paged: bool = False
    # Error bodies echo the credential they were sent (a careless vendor or proxy).
    echo_credentials: bool = False
    credentials_seen: set[str] = field(default_factory=set)
    # People who have left: no longer in the user list (their evaluations stay).
    departed: set[str] = field(default_factory=set)
    # Detail requests being answered now, and the most at once: what a client's concurrency
    # did. With `hold_first_detail_until` n, the first detail request is answered only once
    # n others have been (a hang that the others must get past).
    details_in_flight: int = 0
    most_details_in_flight: int = 0
    details_answered: int = 0
    hold_first_detail_until: int = 0
    _held: bool = False
    _last_credential: str = ""
    _limits: dict[str, SlidingWindowLimit] = field(default_factory=dict)
    _served: dict[str, tuple[date, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    prefix = "/evaluagent/v1"

    def routes(self) -> list[Route]:
        return [
            Route("/quality/evaluations", self.list_evaluations),
            Route("/quality/evaluations/{evaluation_id}", self.get_evaluation),
            Route("/org/users", self.list_users),
            Route("/org/groups", self.list_groups),
            Route("/analytics/conversations", self.conversations),
            Route("/auth/token", self.create_token, methods=["POST"]),
        ]

    @staticmethod
    def unlimited_env() -> dict[str, str]:
        """The pipeline's own budget for this vendor, lifted."""
        return {
            "EVALUAGENT_REQUESTS_PER_MINUTE": str(UNLIMITED),
            "EVALUAGENT_REQUESTS_PER_DAY": str(UNLIMITED),
        }

    def remove_rate_limits(self) -> None:
        self.limit_per_minute = UNLIMITED
        self.limit_per_day = UNLIMITED

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "EVALUAGENT_ACCESS_KEY_ID": self.access_key_id,
            "EVALUAGENT_SECRET_KEY": self.secret_key,
            "EVALUAGENT_BASE_URL": base_url,
        }

    @property
    def refused(self) -> int:
        return sum(limit.refused for limit in self._limits.values())

    # --- the data -------------------------------------------------------------------------

    def evaluation_ids(self, day: date) -> list[str]:
        return [stable_uuid("ea-eval", day, i) for i in range(self.per_day)]

    def republish(self, evaluation_id: str) -> None:
        """A later edit: same id, later updated_at, different outcomes and score."""
        with self._lock:
            self.versions[evaluation_id] = self.versions.get(evaluation_id, 0) + 1

    def evaluation(self, day: date, index: int) -> dict[str, Any]:
        eid = stable_uuid("ea-eval", day, index)
        version = self.versions.get(eid, 0)
        seed = stable_int("ea", day, index)
        agent = ROSTER[seed % len(ROSTER)]
        evaluator = EVALUATORS[(seed >> 3) % len(EVALUATORS)]
        published = datetime(day.year, day.month, day.day) + timedelta(seconds=seed % 86400)
        sections = []
        points = available = 0.0
        auto_failed = False
        for s_index, (title, items) in enumerate(SCORECARD):
            line_items = []
            s_points = s_available = 0.0
            for i_index, (question, weight, auto_fail) in enumerate(items):
                pick = stable_int("ea-item", eid, s_index, i_index, version) % len(OUTCOMES)
                outcome, outcome_score = OUTCOMES[pick]
                score = None if outcome_score is None else weight * outcome_score
                if outcome_score is not None:
                    s_points += score
                    s_available += weight
                failed = auto_fail and outcome == "No"
                auto_failed = auto_failed or failed
                line_items.append(
                    {
                        "line_item_id": stable_uuid("ea-line-item", title, question),
                        "question": question,
                        "outcome": outcome,
                        "outcome_score": outcome_score,
                        "result": None
                        if outcome_score is None
                        else ("pass" if outcome_score >= 0.5 else "fail"),
                        "weight": weight,
                        "score": score,
                        "max_score": weight,
                        "auto_fail": auto_fail,
                        "auto_failed": failed,
                        "categories": ["Compliance"] if auto_fail else ["Customer Experience"],
                        "feedback": None if pick % 2 else f"Item note {i_index}",
                    }
                )
            points += s_points
            available += s_available
            sections.append(
                {
                    "section_id": stable_uuid("ea-section", title),
                    "title": title,
                    "score": round(100 * s_points / s_available, 2) if s_available else None,
                    "line_items": line_items,
                }
            )
        score = 0.0 if auto_failed else round(100 * points / available, 2) if available else None
        contact_id = stable_uuid("ea-contact", day, index)
        feedback = "Good call overall. " * (400 if seed % 9 == 0 else 2)
        return {
            "type": "evaluations",
            "id": eid,
            "attributes": {
                "reference": f"EV-{day:%y%m%d}{index:04d}",
                "status": "published",
                "evaluation_type": "manual",
                "outcome": "fail" if auto_failed or (score or 0) < 60 else "pass",
                "score": score,
                "max_score": 100,
                "auto_failed": auto_failed,
                "auto_fail_count": sum(
                    li["auto_failed"] for s in sections for li in s["line_items"]
                ),
                "published_at": _iso(published),
                "date_published": published.date().isoformat(),
                "created_at": _iso(published - timedelta(minutes=20)),
                "updated_at": _iso(published + timedelta(hours=version * 30)),
                "agent_name": agent.name,
                "evaluator_name": evaluator[1],
                "scorecard_id": stable_uuid("ea-scorecard", "default"),
                "scorecard_name": "Customer Service Scorecard",
                "contact_reference": f"NW-{day:%Y%m%d}-{index:04d}",
                "feedback": feedback,
                "sections": sections,
            },
            "relationships": {
                "agent": {"data": {"type": "users", "id": user_id(agent.key)}},
                "evaluator": {"data": {"type": "users", "id": user_id(evaluator[0])}},
                "contacts": {"data": [{"type": "contacts", "id": contact_id}]},
            },
            "_contact": {
                "type": "contacts",
                "id": contact_id,
                "attributes": {
                    "contact_reference": f"NW-{day:%Y%m%d}-{index:04d}",
                    "contact_date": _iso(published - timedelta(hours=2 + seed % 20)),
                    "channel": ("Telephony", "Chat", "Email")[(seed >> 5) % 3],
                    "handling_time": 60 + (seed >> 7) % 1200,
                    "agent_id": user_id(agent.key),
                    "metadata": {"queue": TEAMS[(seed >> 9) % len(TEAMS)]},
                },
                "relationships": {"evaluation": {"data": {"type": "evaluations", "id": eid}}},
            },
        }

    def _list_view(self, evaluation: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            k: v for k, v in evaluation["attributes"].items() if k not in ("feedback", "sections")
        }
        return {
            **{k: v for k, v in evaluation.items() if k != "_contact"},
            "attributes": attributes,
        }

    def users(self) -> list[dict[str, Any]]:
        out = []
        for person in ROSTER:
            if person.key in self.departed:
                continue
            out.append(
                self._user(
                    person.key,
                    person.name,
                    typed_email(person),
                    person.active,
                    group_id(person.team),
                    ["agent"],
                )
            )
        for key, name, email in EVALUATORS:
            out.append(self._user(key, name, email, True, None, ["quality-analyst"]))
        out.append(self._user("integration", "API Integration", None, True, None, ["admin"]))
        return out

    def _user(
        self,
        key: str,
        name: str,
        email: str | None,
        active: bool,
        team: str | None,
        roles: list[str],
    ) -> dict[str, Any]:
        forename, _, surname = name.partition(" ")
        return {
            "type": "users",
            "id": user_id(key),
            "attributes": {
                "forename": forename,
                "surname": surname,
                "fullname": name,
                "email": email,
                "username": key,
                "start_date": "2024-01-15",
                "active": active,
                "third_party_id": None,
            },
            "relationships": {
                "roles": {"data": [{"type": "roles", "id": r} for r in roles]},
                "agent-team": {"data": {"type": "groups", "id": team} if team else None},
            },
        }

    def groups(self) -> list[dict[str, Any]]:
        parent = stable_uuid("evaluagent-group", "Contact Centre")
        rows = [
            {
                "type": "groups",
                "id": parent,
                "attributes": {
                    "name": "Contact Centre",
                    "level": "Site",
                    "active": True,
                    "parent": None,
                    "has_children": True,
                    "is_custom_reporting_group": False,
                },
            }
        ]
        for team in TEAMS:
            rows.append(
                {
                    "type": "groups",
                    "id": group_id(team),
                    "attributes": {
                        "name": team,
                        "level": "Team",
                        "active": True,
                        "parent": parent,
                        "has_children": False,
                        "is_custom_reporting_group": False,
                    },
                }
            )
        return rows

    # --- HTTP -----------------------------------------------------------------------------

    def _check(self, request: Request, endpoint: str) -> Response | None:
        with self._lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1
            limit = self._limits.setdefault(endpoint, SlidingWindowLimit(self.limit_per_minute))
            daily = self._limits.setdefault(
                f"{endpoint}/day", SlidingWindowLimit(self.limit_per_day, self.day_seconds)
            )
        header = request.headers.get("authorization", "")
        self.saw(header.split(" ", 1)[-1])
        expected = (
            "Basic " + base64.b64encode(f"{self.access_key_id}:{self.secret_key}".encode()).decode()
        )
        valid = (
            header == f"Bearer {self.bearer_token}" if self.bearer_token else (header == expected)
        )
        self._last_credential = header
        if not valid:
            detail = "Unauthorized. Check your API credentials."
            if self.echo_credentials:
                detail += f" {ECHO_PADDING} Authorization: {header}"
            return _errors(401, "Unauthorized", detail)
        wait = limit.check(endpoint)
        if wait is None and (wait := daily.check(endpoint)) is not None:
            # Counted as a request of the minute all the same: a vendor counts what it refused.
            response = _errors(429, "Too Many Requests", "Daily limit of requests exceeded")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        if wait is not None:
            response = _errors(429, "Too Many Requests", "Rate limit of 100 per minute exceeded")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        return None

    async def _reply(self, payload: dict[str, Any]) -> Response:
        good = self.odd.body(json.dumps(payload).encode())
        await self.faults.delay()
        fault = self.faults.next_fault()
        if fault:
            return await self.faults.respond(fault, good, self._last_credential)
        return Response(good, media_type="application/vnd.api+json")

    def _page(self, request: Request, rows: list[dict[str, Any]], included=None) -> dict:
        number = max(int(request.query_params.get("page[number]", "1")), 1)
        total = len(rows) + self.extra_total
        total_pages = max(math.ceil(total / PAGE_SIZE), 1)
        chunk = [self.odd.record(r) for r in rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
        params = dict(request.query_params)

        def link(n: int) -> str:
            return f"{request.url.path}?{urlencode({**params, 'page[number]': n})}"

        payload: dict[str, Any] = {
            "data": chunk,
            "meta": {
                "pagination": {
                    "total": total,
                    "count": len(chunk),
                    "per_page": PAGE_SIZE,
                    "current_page": number,
                    "total_pages": total_pages,
                }
            },
            "links": {
                "self": link(number),
                "first": link(1),
                "prev": link(number - 1) if number > 1 else None,
                "next": link(number + 1) if number < total_pages else None,
                "last": link(total_pages),
            },
        }
        if self.omit_links:
            del payload["links"]
        if included is not None:
            payload["included"] = included(chunk)
        return payload

    async def list_evaluations(self, request: Request) -> Response:
        if (denied := self._check(request, "evaluations")) is not None:
            return denied
        between = request.query_params.get("filter[published_at;between]")
        if not between or "," not in between:
            return _errors(400, "Validation error", "filter[published_at;between] is invalid")
        start, end = (_parse(part) for part in between.split(",", 1))
        evaluations = []
        day = start.date()
        while day <= end.date():
            for index in range(self.per_day):
                evaluation = self.evaluation(day, index)
                published = _parse(evaluation["attributes"]["published_at"])
                if start <= published <= end:
                    evaluations.append(evaluation)
                    self._served[evaluation["id"]] = (day, index)
            day += timedelta(days=1)
        evaluations.sort(key=lambda e: (e["attributes"]["published_at"], e["id"]))
        contacts = {e["id"]: e["_contact"] for e in evaluations}
        include = "contacts" in request.query_params.get("include", "").split(",")
        views = [self._list_view(e) for e in evaluations]
        return await self._reply(
            self._page(
                request,
                views,
                (lambda chunk: [contacts[e["id"]] for e in chunk]) if include else None,
            )
        )

    async def get_evaluation(self, request: Request) -> Response:
        with self._lock:
            self.details_in_flight += 1
            self.most_details_in_flight = max(self.most_details_in_flight, self.details_in_flight)
            hold = self.hold_first_detail_until > 0 and not self._held
            self._held = self._held or hold
        try:
            while hold and self.details_answered < self.hold_first_detail_until:
                await asyncio.sleep(0.01)
            return await self._get_evaluation(request)
        finally:
            with self._lock:
                self.details_in_flight -= 1
                self.details_answered += 1

    async def _get_evaluation(self, request: Request) -> Response:
        if (denied := self._check(request, "evaluation_detail")) is not None:
            return denied
        eid = request.path_params["evaluation_id"]
        with self._lock:
            self.detail_ids.append(eid)
        found = self._find(eid)
        if found is None:
            return _errors(404, "Not found", "Evaluation not found")
        included = []
        if "contact" in request.query_params.get("include", "").split(","):
            included.append(found["_contact"])
        data = self.odd.record({k: v for k, v in found.items() if k != "_contact"})
        body = {"data": data, "included": included}
        return await self._reply(body)

    def _find(self, eid: str) -> dict[str, Any] | None:
        located = self._served.get(eid)
        return None if located is None else self.evaluation(*located)

    async def list_users(self, request: Request) -> Response:
        if (denied := self._check(request, "users")) is not None:
            return denied
        return await self._reply(self._directory(request, self.users()))

    async def list_groups(self, request: Request) -> Response:
        if (denied := self._check(request, "groups")) is not None:
            return denied
        return await self._reply(self._directory(request, self.groups()))

    def _directory(self, request: Request, rows: list[dict[str, Any]]) -> dict[str, Any]:
        if self.directory_paged:
            return self._page(request, rows)
        return {"data": [self.odd.record(r) for r in rows]}

    async def conversations(self, request: Request) -> Response:
        if (denied := self._check(request, "conversations")) is not None:
            return denied
        between = request.query_params.get("filter[contact_date;between]")
        if not between:
            return _errors(400, "Validation error", "filter[contact_date;between] is required")
        if not request.query_params.get("integration"):
            return _errors(400, "Validation error", "The integration field is required.")
        start, end = (_parse(part) for part in between.split(",", 1))
        rows = []
        day = start.date()
        while day <= end.date():
            for index in range(self.per_day):
                contact = self.evaluation(day, index)["_contact"]
                when = _parse(contact["attributes"]["contact_date"])
                if start <= when <= end:
                    seed = stable_int("ea-conv", contact["id"])
                    rows.append(
                        {
                            "type": "conversations",
                            "id": contact["id"],
                            "attributes": {
                                "contact_date": contact["attributes"]["contact_date"],
                                "contact_reference": contact["attributes"]["contact_reference"],
                                "sentiment": ("positive", "neutral", "negative")[seed % 3],
                                "insight_topics": [
                                    {
                                        "id": stable_uuid("topic", seed % 4),
                                        "name": f"Topic {seed % 4}",
                                    }
                                ],
                            },
                        }
                    )
            day += timedelta(days=1)
        return await self._reply(self._page(request, rows))

    async def create_token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
        if (denied := self._check(request, "auth")) is not None:
            return denied
        self.bearer_token = stable_uuid("token", self.token_requests)
        return JSONResponse({"data": {"token": self.bearer_token}}, 201)


def _errors(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"status": str(status), "title": title, "detail": detail}]}, status
    )


SIMULATOR = EvaluAgentSandbox
