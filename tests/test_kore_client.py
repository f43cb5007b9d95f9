"""The Kore client against the sandbox: JWT, pagination loop guards, the rate budget."""

from __future__ import annotations

import json
import math

import httpx
import jwt
import pytest
from qa_sandbox.faults import SlidingWindowLimit
from qa_sandbox.kore_bulk import BulkDay

from pipeline.kore.client import KoreClient, _classify, mint_jwt
from pipeline.kore.models import RawdataIds
from pipeline.kore.resources import KoreResource
from pipeline.lib.http import AuthenticationError, RetryableError
from pipeline.lib.pull.pages import SplitPage
from pipeline.lib.pull.paging import IncompleteWindowError, PaginationError
from pipeline.lib.windows import Window
from tests.conftest import DAY


def _client(sandbox, **overrides) -> KoreClient:
    kore = sandbox.kore
    config = {
        "base_url": sandbox.base_url(sandbox.kore),
        "stream_id": kore.stream_id,
        "account_id": kore.account_id,
        "org_id": kore.org_id,
        "client_id": kore.client_id,
        "client_secret": kore.client_secret,
        "page_size": 7,
        "requests_per_minute": 100_000,
        "backoff_initial_seconds": 0.05,
        **overrides,
    }
    return KoreClient(KoreResource(**config))


def _ignore(*_: object) -> None:
    return None


def test_jwt_claims_follow_the_documented_recipe() -> None:
    token = mint_jwt("cs-123", "secret-abc")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, "secret-abc", algorithms=["HS256"])
    assert claims["appId"] == "cs-123"
    assert claims["exp"] - claims["iat"] <= 3600


def test_pages_cover_the_window_and_stop_on_the_last_short_page(sandbox) -> None:
    truth = sandbox.kore.conversations(DAY, include_below_threshold=False)
    pages = list(_client(sandbox).iter_pages(Window.for_day(DAY), _ignore))
    assert sum(p.records for p in pages) == len(truth)
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert sandbox.kore.requests == len(pages)


def test_an_exact_multiple_stops_on_the_total_not_an_extra_empty_page(sandbox) -> None:
    sandbox.kore.per_day = 40
    n = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    pages = list(_client(sandbox, page_size=n).iter_pages(Window.for_day(DAY), _ignore))
    assert len(pages) == 1 and sandbox.kore.requests == 1


def test_a_server_that_repeats_page_one_fails_the_window_instead_of_looping(sandbox) -> None:
    sandbox.kore.paging = "neither"
    pages = []
    with pytest.raises(IncompleteWindowError, match=r"page 2 .* repeats an earlier page"):
        pages.extend(_client(sandbox).iter_pages(Window.for_day(DAY), _ignore))
    assert len(pages) == 1, "the second, repeated page is detected and not landed"
    # Page 1 announced more pages, so up to KORE_CONCURRENCY of them were already on their
    # way; then page 2 once more, by its offset.
    ahead = _client(sandbox).http.concurrency
    assert 3 <= sandbox.kore.requests <= 2 + ahead


@pytest.mark.parametrize("paging", ["both", "offset", "page"])
def test_every_way_of_combining_offset_and_page_walks_the_whole_window(sandbox, paging) -> None:
    """Kore's reference marks `offset` required and `page` optional and says nothing of how
    they combine: whichever the server honours, every record comes once."""
    sandbox.kore.paging = paging
    conversations = sandbox.kore.conversations(DAY, include_below_threshold=False)
    pages = list(_client(sandbox).iter_pages(Window.for_day(DAY), _ignore))
    records = [json.loads(bytes(record)) for page in pages for record in page.split.records]
    ids = [r.get("conversationId") or r.get("Conversation ID") for r in records]
    assert sorted(ids) == sorted(c.conversation_id for c in conversations)
    assert len(ids) == len(set(ids))
    notes = [w for page in pages for w in page.warnings]
    assert any("ignores `page`" in w for w in notes) == (paging == "offset")


def test_every_request_carries_a_token_of_its_own(sandbox) -> None:
    """With "Enforce JTI" on, a replayed `jti` is refused: concurrent pages and retries each
    take a fresh token."""
    sandbox.kore.enforce_jti = True
    sandbox.kore.faults.script("500", "timeout", "503")
    sandbox.kore.faults.timeout_seconds = 3.0
    client = _client(sandbox, timeout_seconds=1.0)
    truth = sandbox.kore.conversations(DAY, include_below_threshold=False)
    pages = list(client.iter_pages(Window.for_day(DAY), _ignore))
    assert sum(p.records for p in pages) == len(truth)
    assert client.http.stats.retries >= 3
    assert len(sandbox.kore.jtis_seen) == sandbox.kore.requests, "no token used twice"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, {"message": "slow down"}, "retry"),
        (503, {"msg": "Service unavailable"}, "retry"),
        (403, {"msg": "Forbidden"}, AuthenticationError),
        (401, {}, AuthenticationError),
        (400, {"code": 4002, "msg": "Invalid SDK credentials"}, AuthenticationError),
        (400, {"msg": "Rate limit exceeded: 60 requests per minute"}, RetryableError),
        (400, {"msg": "Invalid request: startDate"}, None),
    ],
)
def test_errors_are_classified_by_status_first(status, body, kind) -> None:
    error = _classify(httpx.Response(status), body, "rawdata page 1")
    if kind == "retry":
        assert error is None, "429 and 5xx take the shared rules: retried, Retry-After honoured"
    elif kind is None:
        assert error is None
    else:
        assert isinstance(error, kind)


def test_the_hard_page_cap_fails_instead_of_truncating(sandbox) -> None:
    with pytest.raises(PaginationError, match="still paging after 2 pages"):
        list(_client(sandbox, max_pages=2).iter_pages(Window.for_day(DAY), _ignore))


def test_wrong_stream_or_secret_is_an_authentication_error_without_retry(sandbox) -> None:
    client = _client(sandbox, client_secret="wrong-secret-123")
    with pytest.raises(AuthenticationError, match="rejected the credentials") as caught:
        list(client.iter_pages(Window.for_day(DAY), _ignore))
    assert "wrong-secret-123" not in str(caught.value)
    assert sandbox.kore.requests == 1


def test_the_rate_budget_keeps_requests_inside_the_vendor_limit(sandbox) -> None:
    # The sandbox enforces 5 requests a second; the client's budget is 5 per 1.2 s. Nine pages
    # must all get through without one refusal.
    sandbox.kore.limit = SlidingWindowLimit(5, 1.0)
    client = _client(sandbox, page_size=4, requests_per_minute=5, rate_period_seconds=1.2)
    pages = list(client.iter_pages(Window.for_day(DAY), _ignore))
    assert len(pages) >= 9
    assert sandbox.kore.limit.refused == 0
    assert client.http.stats.statuses.get(429, 0) == 0


def test_without_a_budget_the_sandbox_refuses_and_retry_after_recovers(sandbox) -> None:
    sandbox.kore.limit = SlidingWindowLimit(5, 1.0)
    client = _client(sandbox, page_size=4)
    pages = list(client.iter_pages(Window.for_day(DAY), _ignore))
    truth = sandbox.kore.conversations(DAY, include_below_threshold=False)
    assert sum(p.records for p in pages) == len(truth)
    assert sandbox.kore.limit.refused > 0, "the sandbox really enforces the vendor limit"
    assert client.http.stats.retries == sandbox.kore.limit.refused


@pytest.mark.parametrize("records", [1234, 1200])
def test_a_clean_window_takes_exactly_one_request_per_page_and_none_twice(sandbox, records) -> None:
    # The benchmark's template day: enough records for many full pages.
    sandbox.kore.bulk_days[DAY] = BulkDay(DAY, records)
    client = _client(sandbox, page_size=100)
    landed = sum(page.records for page in client.iter_pages(Window.for_day(DAY), _ignore))
    assert landed == records
    assert sandbox.kore.requests == math.ceil(records / 100)
    assert len(set(sandbox.kore.request_bodies)) == len(sandbox.kore.request_bodies)
    # Counted by the client too, with requests in flight on two threads.
    assert client.http.stats.requests == sandbox.kore.requests


def test_a_prerendered_bulk_day_serves_the_same_bytes() -> None:
    fresh, rendered = BulkDay(DAY, 250), BulkDay(DAY, 250)
    rendered.prerender(100)
    whole_day = fresh.whole_day()
    for skip in (0, 100, 200):
        assert rendered.page(whole_day, skip, 100) == fresh.page(whole_day, skip, 100)
    assert len(whole_day) == 250


def test_clean_pages_are_read_by_their_ids_and_odd_records_from_the_whole_page(sandbox) -> None:
    truth = sandbox.kore.conversations(DAY, include_below_threshold=False)
    odd = [{"Agents": [], "Kore Evaluation Score": 12}, "not an object", {"conversationId": " "}]
    sandbox.kore.extra_records[DAY] = odd
    client = _client(sandbox)
    window = Window.for_day(DAY)

    _, first = client._fetch_page(window, 1, _ignore)
    assert isinstance(first.expected, RawdataIds), "a clean page validates from its text"
    assert first.data == json.loads(first.text), "the full parse is still there when asked"

    pages = list(client.iter_pages(window, _ignore))
    assert sum(page.records for page in pages) == len(truth)
    bad = [record for page in pages for record in page.bad_records]
    assert [json.loads(record.body) for record in bad] == odd
    assert all("no conversation id" in record.reason for record in bad)


def test_a_body_code_is_still_read_from_a_page_that_took_the_ids_path() -> None:
    text = b'{"results": [], "code": 4002, "msg": "Invalid SDK credentials"}'
    page = RawdataIds.read(text)
    assert page is not None
    error = _classify(httpx.Response(200), page.top_level, "rawdata page 1")
    assert isinstance(error, AuthenticationError)


def test_each_record_is_split_out_as_the_bytes_kore_sent(sandbox) -> None:
    odd = ["not an object", {"conversationId": " "}]
    sandbox.kore.extra_records[DAY] = odd
    pages = list(_client(sandbox).iter_pages(Window.for_day(DAY), _ignore))
    for page in pages:
        assert page.split is not None
        body = page.body if isinstance(page.body, bytes) else page.body.encode()
        parsed = json.loads(body)
        records = [bytes(record) for record in page.split.records]
        # Byte for byte as they stand in the body, in its order, odd records included.
        assert [json.loads(record) for record in records] == parsed["results"]
        position = 0
        for record in records:
            position = body.index(record, position) + len(record)
        assert json.loads(page.split.envelope) == {
            key: value for key, value in parsed.items() if key != "results"
        }
    assert sum(len(page.split.records) for page in pages if page.split) == len(
        sandbox.kore.conversations(DAY, include_below_threshold=False)
    ) + len(odd)


def test_reading_by_ids_keeps_every_record_byte_and_every_envelope_key() -> None:
    body = (
        '{"totalResults": 2, "results": [ {"Conversation ID" : "c-1",\n "n": 1.50},'
        '{"conversationId": "c-2", "Agents": [{"name": "Zoë"}]}], "hasMore": false, '
        '"totalPages": 1, "nextToken": null}'
    ).encode()
    page = RawdataIds.read(body)
    assert page is not None
    assert page.keys == ["c-1", "c-2"]
    # The records' array is a slice of the body, byte for byte, whitespace and all.
    assert (
        bytes(page.records_json)
        == (
            '[ {"Conversation ID" : "c-1",\n "n": 1.50},'
            '{"conversationId": "c-2", "Agents": [{"name": "Zoë"}]}]'
        ).encode()
    )
    assert [bytes(record) for record in SplitPage("{}", page.records_json, 2).records] == [
        b'{"Conversation ID" : "c-1",\n "n": 1.50}',
        '{"conversationId": "c-2", "Agents": [{"name": "Zoë"}]}'.encode(),
    ]
    assert page.top_level == {
        "totalResults": 2,
        "hasMore": False,
        "totalPages": 1,
        "nextToken": None,
    }
    assert (page.total_results, page.total_pages, page.has_more) == (2, 1, False)


@pytest.mark.parametrize(
    "body",
    [
        '{"results": [{"conversationId": "c-1", "name": "Zoë"}]}'.encode("latin-1"),
        b'{"results": ["not an object"]}',
        b'{"results": {"conversationId": "c-1"}}',
        b'{"totalResults": "1", "results": [{"conversationId": "c-1"}]}',
        b'{"code": 4002, "msg": "Invalid SDK credentials"}',
        b'{"results": [{"conversationId": "c-1"}',
        b"[]",
    ],
    ids=[
        "latin-1",
        "record-not-object",
        "results-not-list",
        "total-as-text",
        "no-results",
        "truncated",
        "not-an-object",
    ],
)
def test_a_page_reading_by_ids_does_not_fit_is_left_to_the_full_parse(body: bytes) -> None:
    assert RawdataIds.read(body) is None
