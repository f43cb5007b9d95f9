"""`qa-warehouse receiver`: the webhook receiver of every vendor that posts its results.

It needs no warehouse lock and none of a vendor's API settings: each vendor's `webhook`
builds what the receiver needs (its secret) from the environment, and deliveries go to the
journal the pipeline lands from (`QA_WEBHOOK_JOURNAL_PATH`, beside the warehouse by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from starlette.types import ASGIApp

from pipeline.lib.receive.app import ReceiverLimits, receiver_app
from pipeline.lib.receive.journal import Journal
from pipeline.lib.receive.source import WebhookSource
from pipeline.lib.settings import WarehouseSettings
from pipeline.lib.vendor import VendorConfigError
from pipeline.vendors import VENDORS


def webhook_sources(env: Mapping[str, str] | None = None) -> dict[str, WebhookSource]:
    env = os.environ if env is None else env
    sources: dict[str, WebhookSource] = {}
    for vendor in VENDORS:
        if vendor.webhook is not None and (source := vendor.webhook(env)) is not None:
            sources[vendor.name] = source
    return sources


def build_receiver(
    settings: WarehouseSettings | None = None, env: Mapping[str, str] | None = None
) -> tuple[ASGIApp, Journal, ReceiverLimits]:
    """The receiver's app, its journal and the bounds its server keeps; raises
    `VendorConfigError` when no vendor's webhook is configured."""
    settings = settings or WarehouseSettings()
    sources = webhook_sources(env)
    if not sources:
        needs = [v.label for v in VENDORS if v.webhook is not None]
        raise VendorConfigError(
            f"no webhook to receive: configure {', '.join(needs)} (its webhook secret) first"
        )
    journal = Journal(settings.webhook_journal())
    limits = ReceiverLimits(
        max_body_bytes=settings.receiver_max_body_bytes,
        body_timeout_seconds=settings.receiver_body_timeout_seconds,
        head_timeout_seconds=settings.receiver_head_timeout_seconds,
        max_connections=settings.receiver_max_connections,
    )
    return receiver_app(journal, sources, limits), journal, limits
