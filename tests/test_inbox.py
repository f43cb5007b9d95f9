"""Inbox files as people really make them: one bad file or row never stops the others, every
refusal is kept with a reason a person can act on, and a fix lets a refused row through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import build_defs
from tests.conftest import Warehouse, only_vendor

CLI = str(Path(sys.executable).with_name("qa-warehouse"))


@pytest.fixture
def cqa(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("CQA_", monkeypatch, warehouse)


def _inbox(warehouse: Warehouse) -> Path:
    inbox = warehouse.path.parent / "inbox"
    inbox.mkdir(exist_ok=True)
    return inbox


def _push(warehouse: Warehouse):
    result = (
        build_defs()
        .resolve_job_def("cqa_push")
        .execute_in_process(instance=warehouse.instance, raise_on_error=False)
    )
    assert result.success, result
    return result.asset_materializations_for_node("raw__cqa__submissions")[0].metadata


def _quarantine(warehouse: Warehouse, *, open_only: bool = True) -> dict[str, str]:
    rows = warehouse.query(
        "select record_key, reason from raw.quarantine where vendor = 'cqa' "
        + ("and resolved_at is null" if open_only else "")
    )
    return dict(rows)


def test_files_that_are_not_utf8_are_refused_whole_and_the_rest_go(cqa, sandbox) -> None:
    inbox = _inbox(cqa)
    (inbox / "latin1.csv").write_bytes(
        "external_interaction_id,channel_type,audio_url\n"
        "l-1,VOICE,https://rec.example.com/Zoë.wav\n".encode("latin-1")
    )
    (inbox / "utf16.ndjson").write_bytes(
        '{"external_interaction_id": "u-1", "channel_type": "VOICE", '
        '"audio_url": "https://rec.example.com/u.wav"}\n'.encode("utf-16")
    )
    (inbox / "good.csv").write_text(
        "external_interaction_id,channel_type,audio_url\ng-1,VOICE,https://rec.example.com/g.wav\n"
    )
    metadata = _push(cqa)
    assert metadata["files_refused"].value == 2 and metadata["submitted"].value == 1
    assert sandbox.cqa.submitted_external_ids == ["g-1"]
    refused = _quarantine(cqa)
    assert refused["latin1.csv"].startswith("latin1.csv: not UTF-8 (byte 83, line 2")
    assert refused["utf16.ndjson"].startswith("utf16.ndjson: not UTF-8 (byte 0, line 1")
    assert sorted(p.name for p in (inbox / "refused").iterdir()) == ["latin1.csv", "utf16.ndjson"]
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []


def test_bad_values_are_refused_row_by_row_with_the_file_line(cqa, sandbox) -> None:
    inbox = _inbox(cqa)
    (inbox / "calls.csv").write_text(
        "external_interaction_id,channel_type,audio_url,duration_seconds,note\n"
        'c-1,VOICE,https://rec.example.com/1.wav,60,"a note\nover two lines"\n'
        "c-2,VOICE,https://rec.example.com/2.wav,inf,\n"
        "c-3,VOICE,https://rec.example.com/3.wav,-5,\n"
        "c-4,VOICE,https://rec.example.com/4.wav,1.9,\n"
        "c-5,VOICE,https://rec.example.com/5.wav,2.0,\n"
    )
    (inbox / "calls.ndjson").write_text(
        '{"external_interaction_id": "n-1", "channel_type": "VOICE", '
        '"audio_url": "https://rec.example.com/n.wav", "duration_seconds": NaN}\n'
    )
    metadata = _push(cqa)
    assert sorted(sandbox.cqa.submitted_external_ids) == ["c-1", "c-5"]
    assert metadata["rejected"].value == 4
    refused = _quarantine(cqa)
    # The multi-line row takes file lines 2 and 3: c-2 is on line 4, not "record 3".
    assert "whole number of seconds" in refused["calls.csv:4"] and "'inf'" in refused["calls.csv:4"]
    assert "'-5'" in refused["calls.csv:5"]
    assert "'1.9'" in refused["calls.csv:6"]
    assert "NaN is not a number JSON allows" in refused["calls.ndjson:1"]
    sent = cqa.scalar(
        "select payload ->> 'duration_seconds' from raw.submissions where submission_key = 'c-5'"
    )
    assert sent == "2", "2.0 is sent as the whole number it is"
    kept = cqa.scalar("select body from raw.quarantine where record_key = 'calls.csv:4'")
    assert json.loads(kept)["inbox_row"]["text"].startswith("c-2,VOICE")


def test_files_are_read_once_and_archived(cqa, sandbox) -> None:
    inbox = _inbox(cqa)
    (inbox / "monday.csv").write_text(
        "external_interaction_id,channel_type,audio_url\nm-1,VOICE,https://rec.example.com/m.wav\n"
    )
    first = _push(cqa)
    second = _push(cqa)
    assert first["files"].value == 1 and second["files"].value == 0
    archived = list((inbox / "processed").rglob("monday.csv"))
    assert len(archived) == 1 and archived[0].parent.parent.name == "processed"
    (inbox / "monday.csv").write_text(archived[0].read_text())  # dropped in again by mistake
    third = _push(cqa)
    assert third["already_submitted"].value == 1
    assert sandbox.cqa.submitted_external_ids == ["m-1"]
    assert len(list((inbox / "processed").rglob("monday*.csv"))) == 2, "nothing overwritten"


def test_a_refused_row_stays_open_until_a_fix_lets_it_through(cqa, sandbox, monkeypatch) -> None:
    inbox = _inbox(cqa)
    (inbox / "mapped.csv").write_text(
        "call_id,kind,recording\nr-1,VOICE,https://rec.example.com/r.wav\n"
    )
    _push(cqa)
    assert sandbox.cqa.submitted_external_ids == []
    assert "external_interaction_id is missing" in _quarantine(cqa)["mapped.csv:2"]

    listed = subprocess.run([CLI, "quarantine", "list"], capture_output=True, text=True)
    assert listed.returncode == 0 and "cqa/push  mapped.csv:2" in listed.stdout

    # The fix: the column mapping the file needed. Replaying sends the row from quarantine.
    monkeypatch.setenv(
        "CQA_COLUMN_MAPPING",
        json.dumps(
            {"call_id": "external_interaction_id", "kind": "channel_type", "recording": "audio_url"}
        ),
    )
    replay = subprocess.run(
        [CLI, "quarantine", "replay", "--vendor", "cqa"], capture_output=True, text=True
    )
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert sandbox.cqa.submitted_external_ids == ["r-1"]
    assert _quarantine(cqa) == {}
    resolution = cqa.scalar(
        "select resolution from raw.quarantine where record_key = 'mapped.csv:2'"
    )
    assert resolution.startswith("accepted on replay") and resolution.endswith("as r-1")
    history = subprocess.run([CLI, "quarantine", "list", "--all"], capture_output=True, text=True)
    assert "resolved" in history.stdout and "mapped.csv:2" in history.stdout
