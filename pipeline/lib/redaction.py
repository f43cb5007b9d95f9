"""Keeps secrets out of URLs, log lines, exceptions and run metadata."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SENSITIVE_PARAM = re.compile(r"(key|token|secret|password|signature|auth|jwt)", re.IGNORECASE)


class Redactor:
    """Replaces every known secret value, and the sensitive parts of URLs, with a mask."""

    def __init__(
        self, secrets: Iterable[str | None] = (), patterns: Iterable[re.Pattern[str]] = ()
    ) -> None:
        self._secrets: set[str] = set()
        # Secrets known by their form rather than their value (a signature made per request).
        self._patterns = list(patterns)
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would mask unrelated text and protect nothing.
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, MASK)
        for pattern in self._patterns:
            value = pattern.sub(MASK, value)
        return value

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = urlencode(
            [
                (name, MASK if _SENSITIVE_PARAM.search(name) else value)
                for name, value in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="[];,:",
        )
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


# DuckDB quotes what it could not read (`... Input: "{...}"`, and a `LINE n:` pointer into the
# statement): a payload, not a reason.
_QUOTED_INPUT = re.compile(r"\s*(?:Input:|LINE \d+:).*", re.DOTALL)
REASON_LENGTH = 500


def without_payload(text: str) -> str:
    """An error's text as a reason a person reads, on one line: what it says before the data
    an engine quotes back (and nothing after it), cut to `REASON_LENGTH` characters."""
    kept: list[str] = []
    for line in text.strip().splitlines():
        cleaned = _QUOTED_INPUT.sub("", line).strip()
        if cleaned:
            kept.append(cleaned)
        if cleaned != line.strip():
            break  # the quoted input starts here; what follows is more of it
    reason = " ".join(kept)
    if len(reason) > REASON_LENGTH:
        reason = reason[: REASON_LENGTH - 1] + "…"
    return reason


def reason_of(exc: BaseException) -> str:
    """`<ExceptionType>: <reason>`, without any payload the message quotes."""
    return f"{type(exc).__name__}: {without_payload(str(exc))}"
