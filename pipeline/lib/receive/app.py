"""The webhook receiver: Starlette on uvicorn, `POST /webhooks/{vendor}/{ref}/{sig}` (and the
older `POST /webhooks/{vendor}?ref=...&sig=...`) and `GET /healthz`.

In order, for each delivery: the vendor's authentication (before a byte of the body is
read; a refused delivery stores nothing), the size bound (413 from `Content-Length`, or as
soon as the body passes it) and the time bound (408 for a body slow to arrive), then the
journal's commit, and only then 2xx. A delivery that is authentic but unreadable is kept in
the journal as it came, with the reason, and answered 200: a retry would post the same.
Uvicorn's own access log is off, since it prints query strings and ours carried signatures:
this module logs each request with its path alone, the signature in it masked.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from pipeline.lib.receive.callback import SIGNATURE_PATTERN, Unauthenticated
from pipeline.lib.receive.journal import Delivery, Journal
from pipeline.lib.receive.source import UnreadableDelivery, WebhookSource, parse_body

log = logging.getLogger("pipeline.receiver")
access_log = logging.getLogger("pipeline.receiver.access")


@dataclass(frozen=True)
class ReceiverLimits:
    max_body_bytes: int = 5 * 1024 * 1024
    # From the first byte of the body to its last.
    body_timeout_seconds: float = 10.0
    # From a connection's opening (or the end of its last response) to the end of a request's
    # head: a connection that sends nothing, or a head a byte at a time, is closed.
    head_timeout_seconds: float = 10.0
    # Open connections and requests in progress; past it, a request is answered 503 (retry).
    max_connections: int = 1000
    # An idle connection between two requests is closed after this long.
    keep_alive_seconds: int = 5


class _HeadTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with the one bound it lacks: a time limit on a request's
    head. Its keep-alive timer runs only after a response, so a connection that opens and
    sends nothing was held for ever (300 of them held 300 sockets)."""

    head_timeout_seconds = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._await_head()

    def _await_head(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout_seconds, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            access_log.info(
                "connection closed: no request head within %gs", self.head_timeout_seconds
            )
            self.transport.close()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def data_received(self, data: bytes) -> None:
        if self._between_requests() and self._head_timer is None:
            self._await_head()
        super().data_received(data)
        if not self._between_requests():
            self._stop_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)


class _TooLarge(Exception):
    pass


async def _read_bounded(request: Request, limits: ReceiverLimits) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(limits.body_timeout_seconds):
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def receiver_app(
    journal: Journal, sources: Mapping[str, WebhookSource], limits: ReceiverLimits
) -> ASGIApp:
    async def webhook(request: Request) -> Response:
        vendor = request.path_params["vendor"]
        source = sources.get(vendor)
        if source is None:
            return JSONResponse({"error": f"no webhook is configured for {vendor!r}"}, 404)
        # The signed reference is in the path (`/<ref>/<sig>`), or in the query of the URLs
        # signed before the path form.
        signed = {**request.query_params, **request.path_params}
        try:
            reference = source.authenticate(signed)
        except Unauthenticated as exc:
            log.warning("%s: delivery refused: %s", vendor, exc.reason)
            return JSONResponse({"error": exc.reason}, exc.status)
        try:
            body = await _read_bounded(request, limits)
        except _TooLarge:
            log.warning("%s: delivery refused: over %d bytes", vendor, limits.max_body_bytes)
            return JSONResponse(
                {"error": f"body over {limits.max_body_bytes} bytes"},
                413,
                headers={"Connection": "close"},
            )
        except TimeoutError:
            log.warning("%s: delivery cut off: body not sent within the time allowed", vendor)
            return JSONResponse(
                {"error": "body not sent in time"}, 408, headers={"Connection": "close"}
            )
        content_type = request.headers.get("content-type")
        problem: str | None = None
        try:
            key = source.delivery_key(parse_body(content_type, body))
        except UnreadableDelivery as exc:
            problem = exc.reason
            key = "unreadable:" + hashlib.sha256(body).hexdigest()
        delivery = Delivery(vendor, key, body, content_type, reference, problem)
        try:
            new = await run_in_threadpool(journal.record, delivery)
        except sqlite3.Error as exc:
            # Not stored: the vendor must try again.
            log.error("%s: delivery %s not stored: %s", vendor, key, exc)
            return JSONResponse({"error": "the delivery could not be stored; retry"}, 503)
        if problem is not None:
            log.warning("%s: delivery kept in quarantine: %s", vendor, problem)
            return JSONResponse({"status": "quarantined", "reason": problem})
        return JSONResponse({"status": "stored" if new else "duplicate", "key": key})

    async def healthz(_: Request) -> Response:
        try:
            await run_in_threadpool(journal.ping)
        except sqlite3.Error as exc:
            return JSONResponse({"status": "error", "reason": str(exc)}, 503)
        return JSONResponse({"status": "ok", "vendors": sorted(sources)})

    app = Starlette(
        routes=[
            Route("/webhooks/{vendor}", webhook, methods=["POST"]),
            Route("/webhooks/{vendor}/{ref}/{sig}", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    return AccessLog(app)


class AccessLog:
    """One line per request: method, path (never the query), status, bytes in, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, counting_receive, recording_send)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info(
                "%s %s %s %d %dB %.0fms",
                client[0],
                scope["method"],
                # The path carries each delivery's signature: masked, as the query is left out.
                SIGNATURE_PATTERN.sub("***", scope["path"]),
                status,
                received,
                (time.perf_counter() - started) * 1000,
            )


def _config(app: ASGIApp, limits: ReceiverLimits, **kwargs: object) -> uvicorn.Config:
    protocol = type(
        "ReceiverHttp",
        (_HeadTimeoutProtocol,),
        {"head_timeout_seconds": limits.head_timeout_seconds},
    )
    return uvicorn.Config(
        app,
        lifespan="off",
        # Its access log prints query strings, which carry signatures: ours replaces it.
        access_log=False,
        log_config=None,
        http=protocol,
        timeout_keep_alive=limits.keep_alive_seconds,
        limit_concurrency=limits.max_connections,
        # h11's own bound on a request head (16 KiB), said rather than assumed.
        h11_max_incomplete_event_size=16 * 1024,
        **kwargs,  # type: ignore[arg-type]
    )


def serve(app: ASGIApp, host: str, port: int, limits: ReceiverLimits) -> None:
    """Run the receiver in the foreground until it is stopped (SIGINT/SIGTERM)."""
    uvicorn.Server(_config(app, limits, host=host, port=port)).run()


class ReceiverServer:
    """The receiver on a loopback port in a background thread (the demo's, a test's)."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ReceiverLimits | None = None,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(_config(app, limits or ReceiverLimits()))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ReceiverServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> ReceiverServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
