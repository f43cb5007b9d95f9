"""The shared HTTP layer: Retry-After in both forms, redaction, error classes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from pipeline.lib.http import parse_retry_after
from pipeline.lib.redaction import MASK, Redactor


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
