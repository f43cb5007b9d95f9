"""The sandbox as a real HTTP server on a free loopback port, run in a background thread."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from pipeline.sandbox.cqa import CqaSandbox
from pipeline.sandbox.evaluagent import EvaluAgentSandbox
from pipeline.sandbox.faults import SlidingWindowLimit
from pipeline.sandbox.kore import KoreSandbox

KORE_PREFIX = "/kore"
EVALUAGENT_PREFIX = "/evaluagent/v1"
CQA_PREFIX = "/cqa"
CQA_ACCOUNT = CQA_PREFIX + "/api/v1/accounts/{account_id}"


class SandboxServer:
    """Every simulated vendor behind one server; each vendor under its own path prefix."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.kore = KoreSandbox()
        self.evaluagent = EvaluAgentSandbox()
        self.cqa = CqaSandbox()
        ea = self.evaluagent
        cqa = self.cqa
        app = Starlette(
            routes=[
                Route(CQA_ACCOUNT + "/analyses", cqa.list_analyses, methods=["POST"]),
                Route(CQA_ACCOUNT + "/analyses/{analysis_id}", cqa.get_analysis),
                Route(
                    CQA_ACCOUNT + "/ingress/interactions/batch", cqa.submit_batch, methods=["POST"]
                ),
                Route(CQA_ACCOUNT + "/ingress/interactions/batch/{batch_id}", cqa.get_batch),
                Route(CQA_ACCOUNT + "/ingress/interactions/{interaction_id}", cqa.get_interaction),
                Route(EVALUAGENT_PREFIX + "/quality/evaluations", ea.list_evaluations),
                Route(
                    EVALUAGENT_PREFIX + "/quality/evaluations/{evaluation_id}", ea.get_evaluation
                ),
                Route(EVALUAGENT_PREFIX + "/org/users", ea.list_users),
                Route(EVALUAGENT_PREFIX + "/org/groups", ea.list_groups),
                Route(EVALUAGENT_PREFIX + "/analytics/conversations", ea.conversations),
                Route(EVALUAGENT_PREFIX + "/auth/token", ea.create_token, methods=["POST"]),
                Route(
                    KORE_PREFIX
                    + "/qualityai/api/v1/public/qualitymanagement/app/{stream_id}/rawdata",
                    self.kore.rawdata,
                    methods=["POST"],
                ),
            ]
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def kore_url(self) -> str:
        return self.url + KORE_PREFIX

    @property
    def evaluagent_url(self) -> str:
        return self.url + EVALUAGENT_PREFIX

    def env(self) -> dict[str, str]:
        """Environment variables that point every vendor at this sandbox."""
        return {
            **self.kore.env(self.kore_url),
            **self.evaluagent.env(self.evaluagent_url),
            **self.cqa.env(self.url + CQA_PREFIX),
        }

    def remove_rate_limits(self) -> None:
        """For the benchmark: measure our code, not the vendors' limits."""
        unlimited = 10**12
        self.kore.limit = SlidingWindowLimit(unlimited)
        self.evaluagent.limit_per_minute = unlimited
        self.cqa.get_limit = SlidingWindowLimit(unlimited)
        self.cqa.post_limit = SlidingWindowLimit(unlimited)

    def start(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
