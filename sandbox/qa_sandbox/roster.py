"""The people the sandbox vendors score. The same person appears in several vendors, with
emails typed differently, as happens in real contact centres."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("6f1c3c55-8f0e-4f5e-9c1d-3a1f0b7a2c11")


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str | None
    team: str
    active: bool = True


ROSTER: tuple[Person, ...] = (
    Person("amara", "Amara Okafor", "amara.okafor@example.com", "Billing"),
    Person("ben", "Ben Carter", "ben.carter@example.com", "Billing"),
    Person("chloe", "Chloé Martin", "chloe.martin@example.com", "Retention"),
    Person("dev", "Dev Patel", "dev.patel@example.com", "Retention"),
    Person("elena", "Elena Rossi", "elena.rossi@example.com", "Tech Support"),
    Person("farid", "Farid Haddad", "farid.haddad@example.com", "Tech Support"),
    Person("grace", "Grace Kim", "grace.kim@example.com", "Sales", active=False),
    Person("hugo", "Hugo Laurent", None, "Sales"),
    Person("john1", "John Doe", "john.doe@example.com", "Billing"),
    Person("john2", "John Doe", "john.doe2@example.com", "Sales"),
)


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def stable_int(*parts: object) -> int:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")
