"""Every environment variable the warehouse reads, built from the settings classes themselves
(the warehouse's and each registered vendor's), so that what `qa-warehouse settings` prints
cannot drift from what the code reads: a new vendor's settings are in it without an edit."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pipeline.lib.settings import WarehouseSettings
from pipeline.lib.vendor import MASK, Vendor

# Read outside the settings classes: by Dagster itself, or before any settings exist.
OTHER_VARIABLES: tuple[tuple[str, str], ...] = (
    ("DAGSTER_HOME", "the Dagster instance's folder (default: the project's dagster_home/)"),
    (
        "DAGSTER_POSTGRES_URL",
        "the Dagster instance's PostgreSQL, when it has one; the rate budgets are kept there "
        "too unless QA_RATE_STATE_URL says otherwise",
    ),
    (
        "QA_DBT_TARGET_PATH",
        "dbt's target folder, relative to dbt_project/ (default: target); processes that "
        "must not share one each name their own",
    ),
)


@dataclass(frozen=True)
class Setting:
    variable: str
    required: bool
    secret: bool
    default: str
    meaning: str


@dataclass(frozen=True)
class SettingsGroup:
    title: str
    settings: tuple[Setting, ...]


def _shown(value: object) -> str:
    if value is None or value == {}:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Path | date):
        return str(value)
    return str(value)


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return _shown(info.default_factory())  # type: ignore[call-arg]
    if info.default is PydanticUndefined:
        return ""
    return _shown(info.default)


def _is_secret(info: FieldInfo) -> bool:
    return isinstance(info.json_schema_extra, dict) and bool(info.json_schema_extra.get("secret"))


def _settings(prefix: str, fields: dict[str, FieldInfo]) -> tuple[Setting, ...]:
    return tuple(
        Setting(
            variable=f"{prefix}{name}".upper(),
            required=info.is_required(),
            secret=_is_secret(info),
            default=_default(info),
            meaning=info.description or "",
        )
        for name, info in fields.items()
    )


def groups(vendors: Sequence[Vendor]) -> list[SettingsGroup]:
    """The warehouse's settings, then each vendor's in the registry's order, then the
    variables read outside any settings class."""
    prefix = WarehouseSettings.model_config.get("env_prefix", "")
    found = [SettingsGroup("The warehouse", _settings(prefix, WarehouseSettings.model_fields))]
    found += [
        SettingsGroup(
            vendor.label, _settings(vendor.settings.env_prefix, vendor.settings.model_fields)
        )
        for vendor in vendors
    ]
    found.append(
        SettingsGroup(
            "Dagster and dbt",
            tuple(Setting(name, False, False, "", meaning) for name, meaning in OTHER_VARIABLES),
        )
    )
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(found: Sequence[SettingsGroup]) -> str:
    lines = [
        "# Settings",
        "",
        "Every variable the warehouse reads, generated from its settings classes by",
        "`qa-warehouse settings --markdown`.",
        "A vendor is enabled when all its required variables are set and skipped when none",
        "are; a value that does not validate is an error naming its variable.",
    ]
    for group in found:
        lines += ["", f"## {group.title}", "", "| variable | default | meaning |", "|---|---|---|"]
        for setting in group.settings:
            default = "**required**" if setting.required else _cell(setting.default)
            if default and not setting.required:
                default = f"`{default}`"
            meaning = setting.meaning + (" (a secret: never shown)" if setting.secret else "")
            lines.append(f"| `{setting.variable}` | {default} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def text(found: Sequence[SettingsGroup], env: Mapping[str, str]) -> str:
    """For a terminal: each variable with its default, what it means, and its value where
    the environment sets it (a secret's value masked)."""
    blocks = []
    for group in found:
        width = max(len(setting.variable) for setting in group.settings)
        lines = [group.title]
        for setting in group.settings:
            default = "required" if setting.required else f"default {setting.default or '-'}"
            value = env.get(setting.variable)
            now = "" if not value else f"  = {MASK if setting.secret else value}"
            lines.append(f"  {setting.variable:<{width}}  {default}{now}")
            lines.append(f"  {'':<{width}}  {setting.meaning}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
