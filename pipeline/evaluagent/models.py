"""The typed JSON:API envelope EvaluAgent pages share; resources stay raw for staging."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class Pagination(BaseModel):
    model_config = ConfigDict(extra="allow")

    total: int | None = None
    current_page: int | None = None
    # JSON:API servers name it either way (Laravel's `last_page`).
    total_pages: int | None = Field(
        default=None, validation_alias=AliasChoices("total_pages", "last_page")
    )
    per_page: int | None = None


class JsonApiPage(BaseModel):
    """`meta` and `links` are undocumented: every part of them is optional."""

    model_config = ConfigDict(extra="allow")

    data: list[Any]
    included: list[Any] | None = None
    meta: dict[str, Any] | None = None
    links: dict[str, Any] | None = None

    @property
    def pagination(self) -> Pagination:
        meta = self.meta or {}
        return Pagination.model_validate(meta.get("pagination") or meta)

    @property
    def next_link(self) -> str | None:
        return (self.links or {}).get("next") or None


class JsonApiDocument(BaseModel):
    """A single resource, as the detail endpoint returns it."""

    model_config = ConfigDict(extra="allow")

    data: dict[str, Any]
    included: list[Any] | None = None


def resource_id(resource: Any) -> str | None:
    if isinstance(resource, dict) and isinstance(resource.get("id"), str | int):
        return str(resource["id"])
    return None
