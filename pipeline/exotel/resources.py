"""ExoVoiceAnalyze's settings, declared once: read from `EXOTEL_*` variables and used as its
resource."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from pipeline.lib.vendor import VendorSettings, secret

# The insights ExoVoiceAnalyze can be asked for.
INSIGHT_TASKS = ("summarization", "sentiment", "categorise", "transcript")


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class ExotelResource(VendorSettings):
    """An Exotel account allowed ExoVoiceAnalyze, and where its results are posted back."""

    env_prefix = "EXOTEL_"
    local_paths = ("inbox_path",)

    base_url: str = Field(
        description="e.g. https://api.exotel.com/v1 (Mumbai: https://api.in.exotel.com/v1)"
    )
    account_sid: str = Field(description="the account's SID")
    api_key: str = secret(description="the API key (Basic auth user)")
    api_token: str = secret(description="the API token (Basic auth password)")
    callback_url: str = Field(
        description="the public URL at which Exotel reaches the receiver's /webhooks/exotel"
    )
    webhook_secret: str = secret(
        description="signs each request's callback URL (at least 16 characters, e.g. "
        "`openssl rand -hex 32`); the receiver needs the same"
    )
    inbox_path: str = Field(
        default="data/exotel_inbox", description="the folder of CSV / NDJSON calls to analyse"
    )
    insight_tasks: str = Field(
        default="summarization,sentiment,transcript",
        description=f"comma-separated, from {', '.join(INSIGHT_TASKS)}",
    )
    categories: str | None = Field(
        default=None, description="comma-separated; required when `categorise` is asked"
    )
    result_timeout_hours: float = Field(
        default=24.0,
        gt=0,
        description="a request without a result this long is failed, shown by `status` and "
        "the check no_overdue_submissions; a later result still lands and completes it",
    )
    requests_per_minute: int = Field(
        default=200, ge=1, description="Exotel's Voice API limit per account"
    )

    @field_validator("webhook_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < 16:
            raise ValueError("use at least 16 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("insight_tasks")
    @classmethod
    def _known_tasks(cls, value: str) -> str:
        tasks = split_list(value)
        unknown = [task for task in tasks if task not in INSIGHT_TASKS]
        if not tasks or unknown:
            raise ValueError(
                f"{', '.join(unknown) or 'no task'}: choose from {', '.join(INSIGHT_TASKS)}"
            )
        return ",".join(tasks)

    @model_validator(mode="after")
    def _categories_with_categorise(self) -> Self:
        if "categorise" in split_list(self.insight_tasks) and not split_list(self.categories):
            raise ValueError(
                "EXOTEL_CATEGORIES is required when EXOTEL_INSIGHT_TASKS has `categorise`"
            )
        return self

    @property
    def tasks(self) -> list[str]:
        return split_list(self.insight_tasks)

    @property
    def category_list(self) -> list[str]:
        return split_list(self.categories)
