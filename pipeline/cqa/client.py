"""Exotel CQA client: X-API-Key, the response envelope and its error codes, List Analyses with
its 31-day and 10,000-offset limits (a window with more analyses is split), analysis detail and
interaction detail."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from pipeline.cqa.resources import CqaResource
from pipeline.lib.http import (
    AuthenticationError,
    ClientRequestError,
    InvalidBodyHook,
    RateBudget,
    RetryableError,
    VendorClient,
    VendorHttp,
    VendorHTTPError,
    parse_retry_after,
)
from pipeline.lib.pull.pages import Page
from pipeline.lib.pull.paging import (
    IncompleteWindowError,
    PaginationError,
    RepeatGuard,
    check_page_cap,
    check_total,
    parse_page,
    record_keys,
    records_without_key,
)
from pipeline.lib.redaction import Redactor
from pipeline.lib.windows import Window, utc_now

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # List Analyses: limit 1..100
MAX_OFFSET = 10_000  # List Analyses: offset 0..10000
MIN_SPLIT = timedelta(minutes=1)


class DuplicateError(ClientRequestError):
    """CQA already has an interaction with this external id: it was submitted before."""


class EnvelopeData(BaseModel):
    model_config = ConfigDict(extra="allow")

    analyses: list[Any]
    pagination: dict[str, Any] | None = None


class AnalysesPage(BaseModel):
    model_config = ConfigDict(extra="allow")

    data: EnvelopeData


class AnalysisData(BaseModel):
    model_config = ConfigDict(extra="allow")

    analysis_id: str
    categories: list[Any] = []


class AnalysisDocument(BaseModel):
    """An analysis detail in CQA's envelope: anything else (an error envelope sent with a
    200, say) is not landed."""

    model_config = ConfigDict(extra="allow")

    data: AnalysisData


class InteractionData(BaseModel):
    model_config = ConfigDict(extra="allow")

    interaction_id: str


class InteractionDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    data: InteractionData


def _same_id(
    what: str, asked: str, got: str, response: Any, on_invalid_body: InvalidBodyHook
) -> None:
    if got != asked:
        reason = f"the {what} asked for was {asked}, the document is {got}"
        on_invalid_body(f"{what} {asked}", response.text, reason)
        raise PaginationError(f"cqa {what} {asked}: {reason}")


def analysis_id(record: Any) -> str | None:
    if isinstance(record, dict) and isinstance(record.get("analysis_id"), str):
        return record["analysis_id"]
    return None


def _classify(response: httpx.Response, body: Any, label: str) -> VendorHTTPError | None:
    if response.status_code < 400 or not isinstance(body, dict):
        return None
    code = (body.get("error") or {}).get("code")
    message = body.get("message") or ""
    text = f"{label}: HTTP {response.status_code} {code}: {message}".rstrip(": ")
    if code == "UNAUTHORIZED" or response.status_code in (401, 403):
        return AuthenticationError(
            f"{text} (check CQA_API_KEY and CQA_ACCOUNT_ID)", status=response.status_code
        )
    if code in ("RATE_LIMIT_EXCEEDED", "TOO_MANY_JOBS") or response.status_code == 429:
        return RetryableError(
            text,
            status=response.status_code,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if code == "DUPLICATE":
        return DuplicateError(text, status=response.status_code)
    if code == "INTERNAL_ERROR" or response.status_code >= 500:
        return RetryableError(text, status=response.status_code)
    return ClientRequestError(text, status=response.status_code)


class CqaClient(VendorClient):
    def __init__(self, config: CqaResource, now: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        # Whether a window is still open (it may gain analyses while it is walked).
        self._now = now
        self.redactor = Redactor([config.api_key])
        common = {
            "headers": {"X-API-Key": config.api_key, "Content-Type": "application/json"},
            "redactor": self.redactor,
            **config.retrying(),
            "classify": _classify,
        }
        scope = f"cqa:{config.account_id}"
        # CQA limits GETs and ingest POSTs separately per tenant.
        self.http = VendorHttp(
            "cqa",
            config.base_url,
            budget=RateBudget(config.get_requests_per_minute, config.rate_period_seconds),
            budget_scope=scope + ":get",
            **common,
        )
        self.ingest_http = VendorHttp(
            "cqa",
            config.base_url,
            budget=RateBudget(config.post_requests_per_minute, config.rate_period_seconds),
            budget_scope=scope + ":post",
            **common,
        )

    def close(self) -> None:
        self.http.close()
        self.ingest_http.close()

    @property
    def account_path(self) -> str:
        return f"api/v1/accounts/{self.config.account_id}"

    def _list_once(
        self, window: Window, offset: int, on_invalid_body: InvalidBodyHook
    ) -> tuple[AnalysesPage, str, dict[str, Any]]:
        body = {
            "other_filters": [
                {
                    "field": "date",
                    "operator": "range",
                    "value": {
                        "start_date": window.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "end_date": (window.end - timedelta(seconds=1)).strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        ),
                    },
                }
            ]
        }
        params = {"limit": PAGE_LIMIT, "offset": offset}
        what = f"analyses of {window.label} at offset {offset}"
        response = self.http.request_json(
            "POST",
            f"{self.account_path}/analyses",
            params=params,
            json_body=body,
            what=what,
            on_invalid_body=on_invalid_body,
        )
        page = parse_page(
            AnalysesPage, response, vendor="cqa", what=what, on_invalid=on_invalid_body
        )
        return page, response.text, {**params, **body}

    def analysis_pages(self, window: Window, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        """Every analysis of the window. Past 10,000 + 100 analyses CQA cannot page further, so
        the window is split in halves until each part fits."""
        first, text, request = self._list_once(window, 0, on_invalid_body)
        total = (first.data.pagination or {}).get("total")
        if isinstance(total, int) and total > MAX_OFFSET + PAGE_LIMIT:
            if window.end - window.start <= MIN_SPLIT:
                raise PaginationError(
                    f"cqa analyses of {window.label}: {total} analyses in one minute, more than "
                    "List Analyses can page through"
                )
            middle = window.start + (window.end - window.start) / 2
            middle = middle.replace(microsecond=0)
            log.info("cqa: %s has %s analyses; splitting at %s", window.label, total, middle)
            yield from self.analysis_pages(Window(window.start, middle), on_invalid_body)
            yield from self.analysis_pages(Window(middle, window.end), on_invalid_body)
            return
        yield from self._verified_walk(window, first, text, request, on_invalid_body)

    def _verified_walk(
        self,
        window: Window,
        page: AnalysesPage,
        text: str,
        request: dict[str, Any],
        on_invalid_body: InvalidBodyHook,
    ) -> Iterator[Page]:
        """A walk whose distinct analyses are the total CQA announced. The endpoint documents
        neither its sort order nor the time it filters on, so nothing rests on the order: the
        walk counts distinct ids. A window still open (its end not yet come) can gain analyses
        while it is walked, which shifts the offsets and raises the total: it is walked again
        once, and if it grew again meanwhile the load says so and lands what it found. A
        closed window that disagrees fails, keeping its previous load. The pages wait in
        memory until the walk is verified (at most 10,100 analyses: List Analyses' reach)."""
        label = f"analyses of {window.label}"
        pages, found, total = self._walk(window, page, text, request, on_invalid_body)
        warnings: list[str] = []
        if total is not None and found != total and window.end > self._now():
            log.info("cqa: %s: %s announced, %s found; walking it again", label, total, found)
            page, text, request = self._list_once(window, 0, on_invalid_body)
            pages, found, total = self._walk(window, page, text, request, on_invalid_body)
            if total is not None and found != total:
                warnings.append(
                    f"cqa {label}: {total} analyses announced, {found} found after walking "
                    "twice; the window is still open and analyses are arriving"
                )
                total = None
        warnings += check_total("cqa", label, found, total, trusted=True)
        if pages:
            pages[-1] = replace(pages[-1], warnings=(*pages[-1].warnings, *warnings))
        yield from pages

    def _walk(
        self,
        window: Window,
        page: AnalysesPage,
        text: str,
        request: dict[str, Any],
        on_invalid_body: InvalidBodyHook,
    ) -> tuple[list[Page], int, int | None]:
        """One walk by offset until CQA's announced `total` is reached (a short page before
        it is not an end); without a total, until a short or empty page. Returns its pages,
        the distinct analyses they hold and the last total announced."""
        repeats = RepeatGuard()
        ids: set[str] = set()
        pages: list[Page] = []
        offset = 0
        number = 1
        label = f"analyses of {window.label}"
        while True:
            records = page.data.analyses
            what = f"{label} at offset {offset}"
            if repeats.is_repeat(record_keys(records, analysis_id)):
                raise IncompleteWindowError(
                    f"cqa {what} repeats an earlier page; the window would be incomplete"
                )
            ids.update(key for record in records if (key := analysis_id(record)))
            total = (page.data.pagination or {}).get("total")
            total = total if isinstance(total, int) else None
            offset += len(records)
            announced_more = offset < total if total is not None else len(records) >= PAGE_LIMIT
            more = bool(records) and announced_more and offset <= MAX_OFFSET
            warnings: list[str] = []
            if more and len(records) < PAGE_LIMIT:
                warnings.append(
                    f"cqa {what}: {len(records)} analyses of the {PAGE_LIMIT} asked, "
                    f"{total} announced"
                )
            bad = records_without_key(records, analysis_id, what, "no analysis_id")
            pages.append(
                Page(
                    number,
                    text,
                    request,
                    records=len(records) - len(bad),
                    bad_records=bad,
                    warnings=tuple(warnings),
                )
            )
            if not more:
                return pages, len(ids) + sum(len(p.bad_records) for p in pages), total
            number += 1
            check_page_cap("cqa", label, number, self.config.max_pages, "CQA_MAX_PAGES")
            page, text, request = self._list_once(window, offset, on_invalid_body)

    def analysis_detail(self, analysis: str, number: int, on_invalid_body: InvalidBodyHook) -> Page:
        what = f"analysis {analysis}"
        response = self.http.request_json(
            "GET",
            f"{self.account_path}/analyses/{analysis}",
            what=what,
            on_invalid_body=on_invalid_body,
        )
        document = parse_page(
            AnalysisDocument, response, vendor="cqa", what=what, on_invalid=on_invalid_body
        )
        _same_id("analysis", analysis, document.data.analysis_id, response, on_invalid_body)
        return Page(number, response.text, {"analysis_id": analysis}, records=1)

    def interaction(self, interaction: str, number: int, on_invalid_body: InvalidBodyHook) -> Page:
        what = f"interaction {interaction}"
        response = self.http.request_json(
            "GET",
            f"{self.account_path}/ingress/interactions/{interaction}",
            what=what,
            on_invalid_body=on_invalid_body,
        )
        document = parse_page(
            InteractionDocument, response, vendor="cqa", what=what, on_invalid=on_invalid_body
        )
        _same_id(
            "interaction", interaction, document.data.interaction_id, response, on_invalid_body
        )
        return Page(number, response.text, {"interaction_id": interaction}, records=1)

    # --- push -----------------------------------------------------------------------------

    def submit_batch(self, interactions: list[dict[str, Any]]) -> dict[str, Any]:
        """POST at most 100 interactions as one batch job; returns the job (`id`, counts)."""
        if not 1 <= len(interactions) <= 100:
            raise ValueError(f"a CQA batch holds 1 to 100 interactions, not {len(interactions)}")
        response = self.ingest_http.request_json(
            "POST",
            f"{self.account_path}/ingress/interactions/batch",
            json_body={"interactions": interactions},
            what=f"batch of {len(interactions)} interactions",
            create=True,
        )
        return response.data["data"]

    def batch_pages(self, batch_id: str, size: int = 100) -> Iterator[dict[str, Any]]:
        """Every page of a batch job's tracking (pages are zero-based)."""
        page = 0
        while True:
            check_page_cap(
                "cqa", f"batch {batch_id}", page + 1, self.config.max_pages, "CQA_MAX_PAGES"
            )
            response = self.http.request_json(
                "GET",
                f"{self.account_path}/ingress/interactions/batch/{batch_id}",
                params={"page": page, "size": size},
                what=f"batch {batch_id} page {page}",
            )
            data = response.data["data"]
            yield data
            pagination = data.get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if not data.get("interactions") or total_pages is None or page + 1 >= total_pages:
                return
            page += 1

    def interaction_data(self, interaction: str) -> dict[str, Any]:
        response = self.http.request_json(
            "GET",
            f"{self.account_path}/ingress/interactions/{interaction}",
            what=f"interaction {interaction}",
        )
        return response.data["data"]
