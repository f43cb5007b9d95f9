"""The shared HTTP layer: Retry-After in both forms, redaction, error classes, and the body
it hands to the raw landing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel

from pipeline.lib.http import (
    MalformedBodyError,
    RateBudget,
    RetryableError,
    VendorHttp,
    parse_retry_after,
    shared_limiter,
    use_shared_rate_state,
)
from pipeline.lib.http.budgets import budget_spent
from pipeline.lib.redaction import MASK, Redactor
from pipeline.lib.windows import Window
from tests.conftest import DAY


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 3, 23, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(42.0)


def test_retry_after_in_the_past_or_garbage() -> None:
    now = datetime(2026, 3, 23, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None


def test_redactor_masks_known_secrets_and_url_credentials() -> None:
    redactor = Redactor(["s3cr3t-value", None, "ab"])
    assert redactor.text("token s3cr3t-value leaked") == f"token {MASK} leaked"
    assert (
        redactor.text("ab stays: too short to be a secret") == "ab stays: too short to be a secret"
    )
    url = redactor.url("https://key:tok@api.example.com/v1/x?api_key=abc&page=2&token=s3cr3t-value")
    assert "key:tok" not in url and "abc" not in url and "s3cr3t-value" not in url
    assert "page=2" in url and "api.example.com" in url


def test_redactor_learns_secrets_minted_later() -> None:
    redactor = Redactor()
    redactor.add("eyJhbGciOiJIUzI1NiJ9.payload.signature")
    assert "eyJ" not in redactor.text("auth: eyJhbGciOiJIUzI1NiJ9.payload.signature")


class _FixedBody(BaseHTTPRequestHandler):
    body = b""
    content_type = "application/json"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def _serving(body: bytes, content_type: str) -> Iterator[VendorHttp]:
    handler = type("Handler", (_FixedBody,), {"body": body, "content_type": content_type})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    http = VendorHttp(
        "test",
        f"http://127.0.0.1:{server.server_address[1]}",
        budget=RateBudget(1000, 60.0),
        budget_scope=f"test:{server.server_address[1]}",
        max_attempts=1,
    )
    try:
        yield http
    finally:
        http.close()
        server.shutdown()
        server.server_close()


class _Named(BaseModel):
    name: str


def test_a_body_that_validates_is_landed_as_the_bytes_received() -> None:
    sent = '{ "name" : "Zoë",\n  "n": 1.50 }'.encode()
    with _serving(sent, "application/json") as http:
        response = http.request_json("GET", "page", expect=_Named)
    assert isinstance(response.expected, _Named) and response.expected.name == "Zoë"
    assert response.body == sent, "whitespace, number spelling and UTF-8 kept byte for byte"
    assert response.data == {"name": "Zoë", "n": 1.5}
    assert response.text == sent.decode()


def test_a_body_in_another_charset_is_landed_as_decoded_text() -> None:
    sent = '{"name": "Zoë"}'.encode("latin-1")
    with _serving(sent, "application/json; charset=iso-8859-1") as http:
        response = http.request_json("GET", "page", expect=_Named)
    # Not UTF-8, so not stored as bytes: the raw table holds the text its charset gives.
    assert response.expected is None
    assert response.body == '{"name": "Zoë"}'
    assert response.data == {"name": "Zoë"}


@pytest.mark.parametrize("vendor", ["kore", "evaluagent", "cqa"])
def test_every_vendor_waits_what_retry_after_asks(sandbox, vendor) -> None:
    """A 429 with `Retry-After: 2` is waited out for 2 seconds, whichever rule of the vendor's
    own classified it (Kore's reads the message), not the short backoff of other errors. The
    wait is the one the client asks of its (injected) sleep: no test of a clock."""
    from pipeline.cqa.client import CqaClient
    from pipeline.cqa.resources import CqaResource
    from pipeline.evaluagent.client import EvaluAgentClient
    from pipeline.evaluagent.resources import EvaluAgentResource
    from pipeline.kore.client import KoreClient
    from pipeline.kore.resources import KoreResource

    fast = {"backoff_initial_seconds": 0.05, "max_attempts": 3}
    env = sandbox.env()
    if vendor == "kore":
        simulated = sandbox.kore
        client = KoreClient(KoreResource(**_fields(env, "KORE_"), page_size=100, **fast))
        walk = lambda: list(client.iter_pages(Window.for_day(DAY), lambda *_: None))  # noqa: E731
    elif vendor == "evaluagent":
        simulated = sandbox.evaluagent
        client = EvaluAgentClient(EvaluAgentResource(**_fields(env, "EVALUAGENT_"), **fast))
        walk = lambda: list(client.user_pages(lambda *_: None))  # noqa: E731
    else:
        simulated = sandbox.cqa
        client = CqaClient(CqaResource(**_fields(env, "CQA_"), **fast))
        walk = lambda: list(client.analysis_pages(Window.for_day(DAY), lambda *_: None))  # noqa: E731
    simulated.faults.retry_after_seconds = 2
    simulated.faults.script("429_retry_after_seconds")
    waits: list[float] = []
    client.http.sleep = waits.append
    with client:
        assert walk()
    assert simulated.faults.injected["429_retry_after_seconds"] == 1
    assert len(waits) == 1 and 2.0 <= waits[0] <= 2.1, f"{vendor} waited {waits}"


def _fields(env: dict[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


def test_a_body_whose_content_encoding_fails_is_retried(sandbox) -> None:
    from pipeline.kore.client import KoreClient
    from pipeline.kore.resources import KoreResource

    client = KoreClient(
        KoreResource(
            **_fields(sandbox.env(), "KORE_"), backoff_initial_seconds=0.05, max_attempts=3
        )
    )
    sandbox.kore.faults.script("bad_gzip")
    try:
        pages = list(client.iter_pages(Window.for_day(DAY), lambda *_: None))
    finally:
        client.close()
    assert pages and client.http.stats.retries == 1

    client = KoreClient(
        KoreResource(
            **_fields(sandbox.env(), "KORE_"), backoff_initial_seconds=0.05, max_attempts=2
        )
    )
    sandbox.kore.faults.script("bad_gzip", "bad_gzip")
    try:
        with pytest.raises(RetryableError, match="DecodingError"):
            list(client.iter_pages(Window.for_day(DAY), lambda *_: None))
    finally:
        client.close()


def test_a_body_that_is_not_its_charset_is_quarantined_not_patched() -> None:
    sent = b'{"name": "Zo\xeb"}'  # Latin-1 bytes, declared (by default) as UTF-8
    kept: list[tuple[str, str, str]] = []
    with _serving(sent, "application/json") as http, pytest.raises(MalformedBodyError) as error:
        http.request_json("GET", "page", expect=_Named, on_invalid_body=lambda *a: kept.append(a))
    assert "not valid utf-8 (invalid continuation byte at byte 12)" in str(error.value)
    ((_what, body, reason),) = kept
    assert body == '{"name": "Zo\\xeb"}', "kept with the bad byte escaped, never replaced"
    assert reason.startswith("not valid utf-8")
    assert "\ufffd" not in body


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "sqlite-file"])
def test_a_budget_is_spent_when_its_window_is_full_not_when_acquiring_is_slow(
    tmp_path, shared: bool
) -> None:
    # On a busy machine acquiring can take a while (the rate-state file is locked by another
    # request); only a full window is a spent budget, the run's "paced by its budget" line.
    use_shared_rate_state(tmp_path / "rates.sqlite" if shared else None)
    try:
        limiter = shared_limiter(f"test:spent:{shared}", RateBudget(3, 60.0))
        assert not budget_spent(limiter, "vendor")
        for _ in range(2):
            limiter.try_acquire("vendor")
        assert not budget_spent(limiter, "vendor"), "two of three: room for one more"
        limiter.try_acquire("vendor")
        assert budget_spent(limiter, "vendor")
    finally:
        use_shared_rate_state(None)


def test_a_slow_acquire_of_a_daily_budget_with_room_says_nothing(tmp_path, caplog) -> None:
    """The rate-state file is locked (another request of the same deployment, a busy disk)
    for longer than any short wait: the request waits for the lock, and the run does not
    claim that the vendor's daily budget is spent."""
    from filelock import FileLock

    state = tmp_path / "rates.sqlite"
    use_shared_rate_state(state)
    caplog.set_level(logging.WARNING, logger="pipeline.lib.http")
    try:
        handler = type("Handler", (_FixedBody,), {"body": b"{}"})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        http = VendorHttp(
            "test",
            f"http://127.0.0.1:{server.server_address[1]}",
            budget=RateBudget(1000, 60.0, per_day=10_000),
            budget_scope=f"test:slow-lock:{server.server_address[1]}",
            max_attempts=1,
        )
        # The buckets (and their file) exist once a first request has gone through.
        http.request_json("GET", "first")
        lock = FileLock(str(state) + ".lock")
        with lock:
            sent = threading.Thread(target=http.request_json, args=("GET", "second"))
            sent.start()
            # Held well past the 0.2 s the client once took for "the budget is spent".
            sent.join(timeout=1.0)
            assert sent.is_alive(), "the request waits for the rate-state lock"
        sent.join(timeout=60)
        assert not sent.is_alive()
        assert http.stats.requests == 2
        assert http.stats.paced_by_daily_budget == 0
        assert "a day is spent" not in caplog.text
        http.close()
        server.shutdown()
        server.server_close()
    finally:
        use_shared_rate_state(None)
