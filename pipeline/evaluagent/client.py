"""EvaluAgent client: Basic auth, regional clusters, JSON:API paging with loop guards.

It never creates a bearer token: once one exists, EvaluAgent disables Basic auth for the key.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import httpx

from pipeline.evaluagent.models import JsonApiDocument, JsonApiPage, Pagination, resource_id
from pipeline.evaluagent.resources import EvaluAgentResource
from pipeline.lib.http import (
    AuthenticationError,
    InvalidBodyHook,
    RateBudget,
    VendorClient,
    VendorHttp,
    VendorHTTPError,
)
from pipeline.lib.pull.pages import Page
from pipeline.lib.pull.paging import (
    IncompleteWindowError,
    RepeatGuard,
    check_page_cap,
    check_total,
    parse_page,
    record_keys,
    records_without_key,
)
from pipeline.lib.redaction import Redactor
from pipeline.lib.windows import Window

log = logging.getLogger(__name__)

REGIONS: Mapping[str, str] = {
    "eu": "https://api.evaluagent.com/v1",
    "us-east": "https://api.us-east.evaluagent.com/v1",
    "aus": "https://api.aus.evaluagent.com/v1",
}
ISO = "%Y-%m-%dT%H:%M:%SZ"


def base_url_for(region: str, base_url: str | None) -> str:
    if base_url:
        return base_url
    try:
        return REGIONS[region]
    except KeyError:
        raise ValueError(
            f"EVALUAGENT_REGION {region!r} is not one of {', '.join(REGIONS)} "
            "(or set EVALUAGENT_BASE_URL)"
        ) from None


def _classify(response: httpx.Response, body: Any, label: str) -> VendorHTTPError | None:
    if response.status_code not in (401, 403):
        return None
    try:
        detail = body["errors"][0].get("detail", "")
    except (KeyError, IndexError, TypeError, AttributeError):
        detail = ""
    return AuthenticationError(
        f"{label}: EvaluAgent rejected the credentials (HTTP {response.status_code}: "
        f"{detail or 'no detail'}): check EVALUAGENT_ACCESS_KEY_ID and EVALUAGENT_SECRET_KEY; "
        "if a bearer token was ever created for this key, Basic auth is disabled for it",
        status=response.status_code,
    )


def _trusted(meta: Pagination) -> bool:
    """`meta`'s total and pages, when they agree with each other and its page size."""
    return (
        meta.total is not None
        and meta.total_pages is not None
        and bool(meta.per_page)
        and meta.total_pages == max(1, math.ceil(meta.total / meta.per_page))
    )


def _more(page: JsonApiPage, number: int) -> tuple[bool, list[str]]:
    """Whether another page follows this one, and which signals disagreed about it."""
    if not page.data:
        return False, []
    meta = page.pagination
    warnings: list[str] = []
    if _trusted(meta):
        more = number < meta.total_pages
        if page.links is not None and (page.next_link is not None) != more:
            warnings.append(
                f"evaluagent page {number}: links.next says {'more' if page.next_link else 'last'}"
                f" but meta says page {number} of {meta.total_pages}; meta was followed"
            )
        return more, warnings
    if page.links is not None:
        return page.next_link is not None, warnings
    # Nothing announced: ask until a page comes back empty.
    return True, warnings


class EvaluAgentClient(VendorClient):
    def __init__(self, config: EvaluAgentResource) -> None:
        self.config = config
        self.redactor = Redactor([config.secret_key])
        self.http = VendorHttp(
            "evaluagent",
            base_url_for(config.region, config.base_url),
            budget=RateBudget(
                config.requests_per_minute,
                config.rate_period_seconds,
                per_day=config.requests_per_day,
                day_seconds=config.rate_day_seconds,
            ),
            # 100 a minute per key *and endpoint*: each endpoint gets its own budget.
            budget_scope=f"evaluagent:{config.access_key_id}",
            auth=(config.access_key_id, config.secret_key),
            headers={"Accept": "application/vnd.api+json"},
            redactor=self.redactor,
            **config.retrying(),
            classify=_classify,
        )
        # httpx builds the Basic header itself; its encoded value must never be echoed either.
        token = f"{config.access_key_id}:{config.secret_key}".encode()
        self.redactor.add(base64.b64encode(token).decode())

    @staticmethod
    def between(window: Window) -> str:
        # Both ends are inclusive and timestamps have whole seconds.
        last = window.end - timedelta(seconds=1)
        return f"{window.start.strftime(ISO)},{last.strftime(ISO)}"

    def iter_pages(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        label: str,
        rate_key: str,
        on_invalid_body: InvalidBodyHook,
    ) -> Iterator[Page]:
        """Walk `page[number]` from 1 to the last page. EvaluAgent's paging metadata is not
        documented (DECISIONLOG, "Completeness"), so each signal is used where it is present:
        `meta` pages when they agree with `meta` total and page size (then the total must be
        what the walk found, or the load fails), else `links.next`, else an empty page. An
        empty page always ends the walk; a page repeating an earlier one fails it, but one:
        a first page with no paging signals whose second page repeats it is the whole list (a
        server that ignores `page[number]`, as the reference allows for users and groups)."""
        repeats = RepeatGuard()
        number = 1
        seen = 0
        unsignalled_first = False
        while True:
            check_page_cap(
                "evaluagent", label, number, self.config.max_pages, "EVALUAGENT_MAX_PAGES"
            )
            request = {**params, "page[number]": number}
            what = f"{label} page {number}"
            response = self.http.request_json(
                "GET",
                path,
                params=request,
                what=what,
                on_invalid_body=on_invalid_body,
                rate_key=rate_key,
            )
            page = parse_page(
                JsonApiPage, response, vendor="evaluagent", what=what, on_invalid=on_invalid_body
            )
            if repeats.is_repeat(record_keys(page.data, resource_id)):
                if number == 2 and unsignalled_first:
                    return  # the first response was the whole list
                raise IncompleteWindowError(
                    f"evaluagent {what} repeats an earlier page after {seen} records; "
                    "the window would be incomplete"
                )
            seen += len(page.data)
            if number == 1:
                unsignalled_first = page.meta is None and page.links is None
            more, warnings = _more(page, number)
            if not more:
                meta = page.pagination
                warnings += check_total(
                    "evaluagent", label, seen, meta.total, trusted=_trusted(meta)
                )
            bad = records_without_key(page.data, resource_id, what, "no id")
            yield Page(
                number,
                response.text,
                request,
                records=len(page.data) - len(bad),
                bad_records=bad,
                warnings=tuple(warnings),
            )
            if not more:
                return
            number += 1

    def evaluation_pages(self, window: Window, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        params = {
            "filter[published_at;between]": self.between(window),
            "sort": "published_at",
            "include": "contacts",
        }
        return self.iter_pages(
            "quality/evaluations",
            params,
            label=f"evaluations of {window.label}",
            rate_key="evaluations",
            on_invalid_body=on_invalid_body,
        )

    def evaluation_detail(
        self, evaluation_id: str, number: int, on_invalid_body: InvalidBodyHook
    ) -> Page:
        params = {"include": "contact,evaluator,agent"}
        what = f"evaluation {evaluation_id}"
        response = self.http.request_json(
            "GET",
            f"quality/evaluations/{evaluation_id}",
            params=params,
            what=what,
            on_invalid_body=on_invalid_body,
            rate_key="evaluation_detail",
        )
        # A body of another shape is quarantined and fails the window, which keeps its
        # previous load rather than land without this evaluation's detail.
        parse_page(
            JsonApiDocument, response, vendor="evaluagent", what=what, on_invalid=on_invalid_body
        )
        return Page(number, response.text, {"id": evaluation_id, **params}, records=1)

    def user_pages(self, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        return self.iter_pages(
            "org/users", {}, label="users", rate_key="users", on_invalid_body=on_invalid_body
        )

    def group_pages(self, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        return self.iter_pages(
            "org/groups",
            {"show_inactive": "true"},
            label="groups",
            rate_key="groups",
            on_invalid_body=on_invalid_body,
        )

    def analytics_pages(self, window: Window, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        """Conversation analytics by contact date, at the configured path, for the configured
        `integration` (a parameter its documents require and do not enumerate)."""
        integration = self.config.analytics_integration
        if not integration:
            raise ValueError(
                "EVALUAGENT_ANALYTICS_INTEGRATION is required by the conversations "
                "endpoint (its `integration` parameter)"
            )
        params = {"filter[contact_date;between]": self.between(window), "integration": integration}
        return self.iter_pages(
            self.config.analytics_path,
            params,
            label=f"conversations of {window.label}",
            rate_key="conversations",
            on_invalid_body=on_invalid_body,
        )
