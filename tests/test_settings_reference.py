"""The settings reference is built from the settings classes, and what the README and
docs name agrees with it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.lib import settings_reference
from pipeline.lib.settings import WarehouseSettings
from pipeline.vendors import VENDORS

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "qa-warehouse"), *args],
        capture_output=True,
        text=True,
        cwd=env["HOME"],
        env=env,
        timeout=120,
        check=True,
    )


def _reference_variables() -> set[str]:
    return {
        setting.variable
        for group in settings_reference.groups(VENDORS)
        for setting in group.settings
    }


@pytest.mark.parametrize(
    "settings_class",
    [WarehouseSettings, *(vendor.settings for vendor in VENDORS)],
    ids=["warehouse", *(vendor.name for vendor in VENDORS)],
)
def test_every_setting_says_what_it_means(settings_class) -> None:
    undescribed = [
        name for name, info in settings_class.model_fields.items() if not info.description
    ]
    assert undescribed == []


def test_every_field_of_every_settings_class_is_in_the_reference() -> None:
    expected = {f"QA_{name}".upper() for name in WarehouseSettings.model_fields}
    for vendor in VENDORS:
        expected |= {vendor.settings.variable(name) for name in vendor.settings.model_fields}
    assert expected <= _reference_variables()


def test_the_markdown_reference_has_every_variable_and_marks_the_required(
    tmp_path: Path,
) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    printed = _cli("settings", "--markdown", env=env).stdout
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]*) \|", printed, flags=re.MULTILINE))
    assert set(rows) == _reference_variables()
    for vendor in VENDORS:
        for name in vendor.settings.model_fields:
            required = vendor.settings.model_fields[name].is_required()
            assert (rows[vendor.settings.variable(name)].strip() == "**required**") == required


def test_the_command_shows_what_is_set_and_masks_secrets(tmp_path: Path) -> None:
    vendor = VENDORS[0]
    secret_field = vendor.settings.secret_fields()[0]
    plain_field = next(
        name
        for name, info in vendor.settings.model_fields.items()
        if info.is_required() and name not in vendor.settings.secret_fields()
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        vendor.settings.variable(secret_field): "s3cr3t-value-never-shown",
        vendor.settings.variable(plain_field): "plain-value-shown",
    }
    printed = _cli("settings", env=env).stdout
    assert "s3cr3t-value-never-shown" not in printed
    assert re.search(rf"{vendor.settings.variable(secret_field)}\s+required\s+= \*\*\*", printed)
    assert re.search(
        rf"{vendor.settings.variable(plain_field)}\s+required\s+= plain-value-shown", printed
    )


def _variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        found |= set(re.findall(r"environ(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return found


def test_every_variable_the_code_reads_is_in_the_reference() -> None:
    read = _variables_read_by_the_code()
    assert {"DAGSTER_HOME", "QA_DBT_TARGET_PATH"} <= read, "the scan finds nothing"
    # Set by the command line for the processes it starts, not read as a setting.
    assert read - _reference_variables() <= {"DBT_USE_COLORS"}


def test_the_docs_name_no_variable_that_does_not_exist() -> None:
    prefixes = ("QA_", *(vendor.settings.env_prefix for vendor in VENDORS))
    known = _reference_variables()
    unknown: dict[str, set[str]] = {}
    for path in [ROOT / "README.md", ROOT / "CHANGELOG.md", *ROOT.glob("docs/**/*.md")]:
        for name in re.findall(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\b", path.read_text()):
            if name.startswith(prefixes) and name not in known:
                unknown.setdefault(path.name, set()).add(name)
    assert unknown == {}
