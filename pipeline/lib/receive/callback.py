"""Callback URLs that authenticate what is posted to them.

A vendor that signs nothing can only be told apart from anyone else by what its callback URL
carries. Each request gets its own URL: our reference for the request, and an HMAC of it
keyed by the vendor's webhook secret. The receiver recomputes the HMAC and compares it in
constant time, so a delivery is authentic for the one request it names, and a URL that
leaks (in a vendor's logs, say) opens nothing else. The secret itself never leaves us.

Both go in the URL's path (`<base>/<reference>/<signature>`): a vendor may drop a callback
URL's query string, and nothing documents that it keeps one. URLs signed before in the query
(`?ref=...&sig=...`) are still accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

REFERENCE = "ref"
SIGNATURE = "sig"
# A signature wherever it shows (a vendor's error echoing the callback URL, a log line): in a
# query (`sig=<hex>`) or as a path's last segment (64 hex digits after `/<reference>/`).
SIGNATURE_PATTERN = re.compile(
    rf"(?<=[?&]{SIGNATURE}=)[0-9a-fA-F]+|(?<=/)[0-9a-fA-F]{{64}}(?=$|[?#/\s\"'])"
)


class Unauthenticated(Exception):
    """A delivery without a valid signature; `status` is the HTTP answer (401 or 403)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class SignedCallback:
    """Signs and checks the callback URLs of one vendor."""

    vendor: str
    secret: str = field(repr=False)

    def signature(self, reference: str) -> str:
        digest = hmac.new(
            self.secret.encode(), f"{self.vendor}:{reference}".encode(), hashlib.sha256
        )
        return digest.hexdigest()

    def url(self, base: str, reference: str) -> str:
        """`base` (the public URL of the receiver's endpoint) with the reference and its
        signature as two more segments of its path; its query is kept as it is."""
        parts = urlsplit(base)
        path = f"{parts.path.rstrip('/')}/{quote(reference, safe='')}/{self.signature(reference)}"
        return urlunsplit(parts._replace(path=path))

    def query_url(self, base: str, reference: str) -> str:
        """The older form, reference and signature in the query: still accepted."""
        parts = urlsplit(base)
        query = [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if name not in (REFERENCE, SIGNATURE)
        ]
        query += [(REFERENCE, reference), (SIGNATURE, self.signature(reference))]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def verify(self, params: Mapping[str, str]) -> str:
        """The reference a delivery's URL carries (`ref` and `sig`, from its path or its
        query), once its signature is checked."""
        reference, signature = params.get(REFERENCE), params.get(SIGNATURE)
        if not reference or not signature:
            raise Unauthenticated("no signature in the callback URL", 401)
        expected = self.signature(reference)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise Unauthenticated("wrong signature in the callback URL", 403)
        return reference
