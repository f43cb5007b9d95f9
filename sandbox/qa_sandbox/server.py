"""The sandbox as a real HTTP server on a free loopback port, run in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from qa_sandbox.simulator import Clock, Simulator, discover


class SandboxServer:
    """Every simulated vendor behind one server, each under its own path prefix: every
    simulator of the package (`qa_sandbox.simulator.discover`), reachable by name
    (`server.simulators["kore"]`, or `server.kore`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.clock = Clock()
        self.simulators: dict[str, Simulator] = {cls.name: cls() for cls in discover()}
        app = Starlette(routes=[Mount(v.prefix, routes=v.routes()) for v in self.vendors])
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        for simulator in self.vendors:
            simulator.clock = self.clock
            # Where it is served (Voxxi's presigned upload URLs point back at it).
            simulator.base_url = self.base_url(simulator)
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __getattr__(self, name: str) -> Simulator:
        simulators = self.__dict__.get("simulators", {})
        if name in simulators:
            return simulators[name]
        raise AttributeError(name)

    @property
    def vendors(self) -> list[Simulator]:
        return list(self.simulators.values())

    def reset(self) -> None:
        """Every simulator as it starts, and the clock real again."""
        self.clock.set(None)
        for simulator in self.vendors:
            simulator.reset()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, vendor: Simulator) -> str:
        return self.url + vendor.prefix

    def env(self, *, unlimited: bool = False) -> dict[str, str]:
        """Environment variables that point every vendor at this sandbox; `unlimited` also
        lifts the pipeline's own rate budgets (with `remove_rate_limits`, for a quick demo)."""
        env: dict[str, str] = {}
        for vendor in self.vendors:
            env.update(vendor.env(self.base_url(vendor)))
            if unlimited:
                env.update(vendor.unlimited_env())
        return env

    def demo_inboxes(self, root: Path, days: list[date]) -> dict[str, str]:
        """Inbox files for the vendors that analyse what is submitted to them, in folders
        under `root`: the variables that point the pipeline at them."""
        # Written whole before the run reads them: nothing to wait for.
        env: dict[str, str] = {"QA_INBOX_SETTLE_SECONDS": "0"}
        for vendor in self.vendors:
            writer = getattr(vendor, "demo_inbox", None)
            if writer is not None:
                env.update(writer(root / type(vendor).__name__.lower(), days))
        return env

    def callback_env(self, receiver_url: str) -> dict[str, str]:
        """The variables that point the vendors that post their results at a webhook
        receiver listening on `receiver_url`."""
        env: dict[str, str] = {}
        for vendor in self.vendors:
            callbacks = getattr(vendor, "callback_env", None)
            if callbacks is not None:
                env.update(callbacks(receiver_url))
        return env

    def for_demo(self) -> None:
        """Every simulator as the demo shows it (`Simulator.for_demo`)."""
        for vendor in self.vendors:
            vendor.for_demo()

    def remove_rate_limits(self) -> None:
        """For the benchmark and the demo: measure our code, not the vendors' limits."""
        for vendor in self.vendors:
            vendor.remove_rate_limits()

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
