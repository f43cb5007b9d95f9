"""Kore.ai Quality AI rawdata client: JWT auth, page walking with loop guards."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import jwt

from pipeline.kore.models import RawdataIds, RawdataPage, conversation_id
from pipeline.kore.resources import KoreResource
from pipeline.lib.http import (
    AuthenticationError,
    InvalidBodyHook,
    JsonResponse,
    RateBudget,
    RetryableError,
    VendorClient,
    VendorHttp,
    VendorHTTPError,
)
from pipeline.lib.pull.pages import BadRecord, Page, SplitPage
from pipeline.lib.pull.paging import (
    IncompleteWindowError,
    RepeatGuard,
    check_page_cap,
    check_total,
    parse_page,
    record_keys,
    records_without_key,
    split_records,
)
from pipeline.lib.redaction import Redactor
from pipeline.lib.windows import Window

log = logging.getLogger(__name__)

KORE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Kore answers bad credentials with this body code, whatever the HTTP status.
INVALID_CREDENTIALS_CODE = 4002
# A minted token, wherever it shows (a vendor's error echoing it): three base64url parts.
JWT_PATTERN = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")


def mint_jwt(client_id: str, client_secret: str) -> str:
    """HS256 token with the claim spelled exactly `appId`, signed with the client secret.

    A fresh `jti` and a one-hour expiry keep it valid where the app enforces JTI."""
    now = int(time.time())
    claims = {"appId": client_id, "sub": "qa-warehouse", "iat": now, "exp": now + 3600}
    claims["jti"] = str(uuid.uuid4())
    return jwt.encode(claims, client_secret, algorithm="HS256")


class KoreJwt(httpx.Auth):
    """A token of its own for every request Kore receives, retries and concurrent requests
    included: an app with "Enforce JTI" refuses a `jti` it has seen, and minting is a local
    HMAC, cheaper than any request."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._client_id = client_id
        self._client_secret = client_secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["auth"] = mint_jwt(self._client_id, self._client_secret)
        yield request


def _classify(response: httpx.Response, body: Any, label: str) -> VendorHTTPError | None:
    """By HTTP status first, as for every vendor; then Kore's own body code, which it sends
    with other statuses too; its words for a rate limit only where the status says nothing."""
    status = response.status_code
    fields = body if isinstance(body, dict) else {}
    errors = fields.get("errors")
    first_error = errors[0] if isinstance(errors, list) and errors else {}
    code = fields.get("code") or (
        first_error.get("code") if isinstance(first_error, dict) else None
    )
    message = str(fields.get("msg") or fields.get("message") or "")
    if status in (401, 403) or code == INVALID_CREDENTIALS_CODE:
        return AuthenticationError(
            f"{label}: Kore rejected the credentials (HTTP {status}, "
            f"{message or 'no message'}): check KORE_CLIENT_ID and KORE_CLIENT_SECRET, and that "
            "the app is mapped to the Quality Management Analytics API scope",
            status=status,
        )
    if status == 429 or status >= 500:
        return None  # the shared rules: retried, Retry-After honoured
    if status >= 400 and ("rate limit" in message.lower() or "per minute" in message.lower()):
        return RetryableError(f"{label}: Kore rate limit: {message}", status=status)
    return None


class KoreClient(VendorClient):
    """Walks the rawdata pages of one UTC window."""

    def __init__(self, config: KoreResource) -> None:
        self.config = config
        self.redactor = Redactor([config.client_secret], patterns=[JWT_PATTERN])
        self.http = VendorHttp(
            "kore",
            config.base_url,
            budget=RateBudget(config.requests_per_minute, config.rate_period_seconds),
            # Kore's limit is per account, shared by rawdata and scorereporting.
            budget_scope=f"kore:{config.account_id}",
            headers={
                "accountId": config.account_id,
                "orgId": config.org_id,
                "Content-Type": "application/json",
            },
            auth=KoreJwt(config.client_id, config.client_secret),
            redactor=self.redactor,
            **config.retrying(),
            classify=_classify,
        )

    @property
    def path(self) -> str:
        return f"qualityai/api/v1/public/qualitymanagement/app/{self.config.stream_id}/rawdata"

    def request_body(self, window: Window, page: int, offset: int = 0) -> dict[str, object]:
        # Kore compares whole seconds and includes both ends: ask up to the window's last second.
        return {
            "startDate": window.start.strftime(KORE_DATE_FORMAT),
            "endDate": (window.end - timedelta(seconds=1)).strftime(KORE_DATE_FORMAT),
            "offset": offset,
            "page": page,
            "limit": self.config.page_size,
            "include_below_threshold": self.config.include_below_threshold,
        }

    def _fetch_page(
        self, window: Window, page_number: int, on_invalid_body: InvalidBodyHook, offset: int = -1
    ) -> tuple[dict[str, object], JsonResponse]:
        """Page `page_number` of the window: by `page` (offset 0), or, with `offset` given,
        as the records from that offset (page 1)."""
        body = (
            self.request_body(window, page_number)
            if offset < 0
            else self.request_body(window, 1, offset)
        )
        response = self.http.request_json(
            "POST",
            self.path,
            json_body=body,
            what=self._what(window, page_number),
            on_invalid_body=on_invalid_body,
            expect=RawdataIds,
        )
        return body, response

    @staticmethod
    def _what(window: Window, page_number: int) -> str:
        return f"rawdata page {page_number} of {window.label}"

    @staticmethod
    def _read_page(
        response: JsonResponse, what: str, on_invalid_body: InvalidBodyHook
    ) -> tuple[RawdataIds | RawdataPage, list[str], list[BadRecord], SplitPage]:
        """The page's envelope, each record's key (for the repeat guard), its unusable records
        and its records split out for landing. A page whose every record has an id is read
        from the bytes alone; any other page is parsed in full, so that a bad record is
        quarantined with its body."""
        ids = response.expected
        if isinstance(ids, RawdataIds) and all(key is not None for key in ids.keys):
            split = SplitPage(
                json.dumps(ids.top_level, sort_keys=True), ids.records_json, len(ids.keys)
            )
            return ids, [key for key in ids.keys if key is not None], [], split
        page = parse_page(
            RawdataPage, response, vendor="kore", what=what, on_invalid=on_invalid_body
        )
        bad = records_without_key(page.results, conversation_id, what, "no conversation id")
        split = split_records(
            response.body,
            "results",
            page.model_dump(by_alias=True, exclude={"results"}, exclude_unset=True),
        )
        return page, record_keys(page.results, conversation_id), bad, split

    def iter_pages(self, window: Window, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        """Yield each page of the window until Kore says it has no more.

        Kore's signals, and how far each is trusted (DECISIONLOG, "Completeness"):
        - the end is `hasMore` false; without `hasMore`, `totalPages` reached; without
          either, an empty or short page. An empty page always ends the walk;
        - a short page that is not the last is not an end (the server may cap the page size);
        - `totalResults` is not trusted (Kore's own sample announces 21 records, one page and
          no more with 4 records): when it, or `totalPages`, disagrees with the walk, the
          load log says so.

        Kore's reference marks `offset` required and `page` optional, and does not say how
        they combine. The walk asks by `page` (offset 0); if page 2 repeats page 1, the server
        honours `offset` alone, and the rest of the window is asked by `offset` (the records
        seen so far), which the load log says. A repeat in that walk too fails the load.

        By `page`, requests run ahead on worker threads, so Kore prepares the next pages while
        this one is checked and spooled: up to KORE_CONCURRENCY of the pages the last page
        announced (`totalPages`), or only the next one when it announced no total. Only
        announced pages are requested: a clean window still takes exactly one request per
        page. By `offset` each request waits for the page before it, which says the offset."""
        repeats = RepeatGuard()
        records_seen = 0
        page_number = 1
        by_offset = False
        notes: list[str] = []
        label = f"rawdata {window.label}"
        pages_ahead = self.http.concurrency
        ahead = ThreadPoolExecutor(max_workers=pages_ahead, thread_name_prefix="kore-next-page")
        pending: dict[int, Future[tuple[dict[str, object], JsonResponse]]] = {}

        def request(number: int) -> None:
            if by_offset or number in pending or number > self.config.max_pages:
                return
            pending[number] = ahead.submit(self._fetch_page, window, number, on_invalid_body)

        try:
            while True:
                check_page_cap("kore", label, page_number, self.config.max_pages, "KORE_MAX_PAGES")
                if by_offset:
                    body, response = self._fetch_page(
                        window, page_number, on_invalid_body, offset=records_seen
                    )
                else:
                    request(page_number)
                    body, response = pending.pop(page_number).result()
                what = self._what(window, page_number)
                envelope, keys, bad, split = self._read_page(response, what, on_invalid_body)
                if repeats.is_repeat(keys):
                    if not by_offset and page_number == 2:
                        # `page` is ignored: the same page again, asked by its offset now.
                        by_offset = True
                        pending.clear()
                        notes.append(
                            f"kore {label}: the server ignores `page`; the window was walked "
                            "by `offset`"
                        )
                        continue
                    raise IncompleteWindowError(
                        f"kore {what} repeats an earlier page (the server ignored "
                        f"`{'offset' if by_offset else 'page'}`) after {records_seen} records; "
                        "the window would be incomplete"
                    )
                records_seen += len(keys)
                more, warnings = self._more(envelope, len(keys), page_number)
                if not more:
                    warnings += self._disagreements(envelope, records_seen, page_number, label)
                    warnings += notes
                else:
                    announced = envelope.total_pages or page_number + 1
                    for number in range(
                        page_number + 1, min(page_number + pages_ahead, announced) + 1
                    ):
                        request(number)
                yield Page(
                    page_number,
                    response.body,
                    body,
                    records=len(keys) - len(bad),
                    bad_records=bad,
                    split=split,
                    warnings=tuple(warnings),
                )
                if not more:
                    return
                page_number += 1
        finally:
            # A walk that stops early (an error, a consumer that gave up) lets the requests in
            # flight finish rather than leave them running against a closed client.
            ahead.shutdown(wait=True, cancel_futures=True)

    def _more(
        self, envelope: RawdataIds | RawdataPage, records: int, page_number: int
    ) -> tuple[bool, list[str]]:
        """Whether Kore has another page, and what about this page it said that disagrees."""
        if records == 0:
            return False, []
        if envelope.has_more is not None:
            more = envelope.has_more
        elif envelope.total_pages is not None:
            more = page_number < envelope.total_pages
        else:
            more = records >= self.config.page_size
        warnings = []
        if more and records < self.config.page_size:
            warnings.append(
                f"kore rawdata page {page_number} held {records} records of the "
                f"{self.config.page_size} asked, yet more were announced"
            )
        return more, warnings

    @staticmethod
    def _disagreements(
        envelope: RawdataIds | RawdataPage, seen: int, page_number: int, label: str
    ) -> list[str]:
        warnings = check_total("kore", label, seen, envelope.total_results, trusted=False)
        if envelope.total_pages is not None and envelope.total_pages != page_number:
            warnings.append(
                f"kore {label}: {envelope.total_pages} pages announced, the walk ended on "
                f"page {page_number}"
            )
        return warnings
