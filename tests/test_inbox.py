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


def _row(key: str, **extra: object) -> dict:
    return {
        "external_interaction_id": key,
        "channel_type": "VOICE",
        "audio_url": f"https://rec.example.com/{key}.wav",
        **extra,
    }


def test_odd_values_in_inbox_rows_cost_no_other_row(cqa, sandbox) -> None:
    """Rows carrying what JSON (or CSV) allows and Python or DuckDB do not: the good ones are
    sent, the one that cannot be sent is quarantined alone, and nothing behind it waits."""
    from qa_sandbox.values import ODD_VALUES

    inbox = _inbox(cqa)
    lines = []
    for name, value in ODD_VALUES.items():
        if name == "deep_nesting":
            continue
        row = json.dumps(_row(f"odd-{name}", metadata={"note": "VALUE"}))
        lines.append(row.replace('"VALUE"', value.decode()).encode())
    # A row CQA would refuse (no channel type) that carries a lone surrogate, and a row whose
    # metadata is nested 5,000 deep: each refused alone, with its reason.
    refused = _row("refused-surrogate", channel_type="", metadata={"note": "VALUE"})
    lines.append(json.dumps(refused).replace('"VALUE"', r'"\ud83d"').encode())
    deep = json.dumps(_row("too-deep", metadata={"note": "VALUE"}))
    lines.append(deep.replace('"VALUE"', ODD_VALUES["deep_nesting"].decode()).encode())
    lines.append(json.dumps(_row("after-them")).encode())
    (inbox / "odd.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    # CSV: a 200 KB field and a NUL, both in a column that becomes metadata.
    (inbox / "odd.csv").write_text(
        "external_interaction_id,channel_type,audio_url,transcript_note\n"
        f"csv-long,VOICE,https://rec.example.com/l.wav,{'y' * 200_000}\n"
        "csv-nul,VOICE,https://rec.example.com/n.wav,before\x00after\n"
        "csv-after,VOICE,https://rec.example.com/a.wav,\n"
    )
    metadata = _push(cqa)
    sent = set(sandbox.cqa.submitted_external_ids)
    assert sent == {
        "odd-lone_surrogate",
        "odd-line_separator",
        "odd-nul",
        "odd-long_field",
        "after-them",
        "csv-long",
        "csv-nul",
        "csv-after",
    }
    assert metadata["rejected"].value == 2
    reasons = _quarantine(cqa)
    assert "channel_type is missing" in reasons["odd.ndjson:5"]
    assert "nested deeper than" in reasons["odd.ndjson:6"]
    # What was sent is what the files said; the ledger holds it as DuckDB can.
    pushed = {p["external_interaction_id"]: p for p in sandbox.cqa.pushed.values()}
    assert pushed["odd-line_separator"]["metadata"]["note"] == "one\u2028two\u2029three\ffour"
    assert pushed["odd-nul"]["metadata"]["note"] == "before\x00after"
    assert pushed["csv-long"]["metadata"]["transcript_note"] == "y" * 200_000
    assert pushed["csv-nul"]["metadata"]["transcript_note"] == "before\x00after"
    kept = cqa.scalar(
        "select payload -> '$.metadata.note' from raw.submissions "
        "where submission_key = 'odd-lone_surrogate'"
    )
    assert kept == r'"cut short: \\ud83d"'
    assert [p.name for p in inbox.iterdir() if p.is_file()] == [], "both files were archived"


def test_a_line_separator_inside_a_string_is_text_not_a_new_line(cqa, sandbox) -> None:
    inbox = _inbox(cqa)
    rows = [
        json.dumps(_row("ls-1", metadata={"note": "one\u2028two\x0cthree"}), ensure_ascii=False),
        json.dumps({"external_interaction_id": "ls-2"}),  # refused: no channel type
    ]
    (inbox / "separators.ndjson").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _push(cqa)
    assert sandbox.cqa.submitted_external_ids == ["ls-1"]
    assert list(_quarantine(cqa)) == ["separators.ndjson:2"], "the line numbers are the file's"


def test_files_still_being_written_wait_for_their_writer(cqa, sandbox, monkeypatch) -> None:
    inbox = _inbox(cqa)
    header = "external_interaction_id,channel_type,audio_url\n"
    (inbox / ".calls.csv").write_text(header + "hidden,VOICE,https://rec.example.com/h.wav\n")
    (inbox / "calls.csv.part").write_text(header + "part,VOICE,https://rec.example.com/p.wav\n")
    # Cut off mid-line, as a copy in progress leaves it: written just now, so it settles first.
    (inbox / "copying.csv").write_text(header + "c-1,VOICE,https://rec.exa")
    monkeypatch.setenv("QA_INBOX_SETTLE_SECONDS", "3600")
    metadata = _push(cqa)
    assert metadata["files"].value == 0 and metadata["files_still_written"].value == 1
    assert sandbox.cqa.submitted_external_ids == []
    # The writer finishes, then renames its temporary files: everything goes, once, whole.
    (inbox / "copying.csv").write_text(header + "c-1,VOICE,https://rec.example.com/c.wav\n")
    (inbox / ".calls.csv").rename(inbox / "calls.csv")
    (inbox / "calls.csv.part").rename(inbox / "part.csv")
    monkeypatch.setenv("QA_INBOX_SETTLE_SECONDS", "0")
    _push(cqa)
    assert sorted(sandbox.cqa.submitted_external_ids) == ["c-1", "hidden", "part"]
    pushed = {p["external_interaction_id"]: p for p in sandbox.cqa.pushed.values()}
    assert pushed["c-1"]["audio_url"] == "https://rec.example.com/c.wav"


def test_a_file_that_grows_while_it_is_read_is_read_again_for_what_it_adds(
    cqa, sandbox, monkeypatch
) -> None:
    from pipeline.lib.submit import flow

    inbox = _inbox(cqa)
    path = inbox / "growing.csv"
    path.write_text(
        "external_interaction_id,channel_type,audio_url\ng-1,VOICE,https://rec.example.com/1.wav\n"
    )
    real = flow.read_inbox_file

    def read_while_a_writer_appends(file):
        for number, row in enumerate(real(file)):
            if number == 0:
                with path.open("a") as writer:
                    writer.write("g-2,VOICE,https://rec.example.com/2.wav\n")
            yield row

    monkeypatch.setattr(flow, "read_inbox_file", read_while_a_writer_appends)
    first = _push(cqa)
    assert first["files_changed"].value == 1 and path.exists(), "left in the inbox"
    assert sandbox.cqa.submitted_external_ids == ["g-1"]
    monkeypatch.setattr(flow, "read_inbox_file", real)
    second = _push(cqa)
    assert second["already_submitted"].value == 1 and not path.exists()
    assert sandbox.cqa.submitted_external_ids == ["g-1", "g-2"], "each row sent once"


def test_inbox_files_are_streamed_not_read_whole(tmp_path: Path) -> None:
    """A 40 MB file is checked and read in bounded memory (Python's own allocations, which
    do not depend on the machine's speed)."""
    import tracemalloc

    from pipeline.lib.submit.inbox import InboxFile, check_utf8, read_inbox_file

    path = tmp_path / "big.ndjson"
    row = json.dumps(_row("k", metadata={"note": "é" * 400}), ensure_ascii=False) + "\n"
    count = 40 * 1024 * 1024 // len(row.encode())
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            out.write(row)
    file = InboxFile.of(path)
    tracemalloc.start()
    try:
        check_utf8(file)
        rows = sum(1 for _ in read_inbox_file(file))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == count
    assert peak < 8 * 1024 * 1024, f"{peak} bytes at the peak for a {file.size}-byte file"


def test_settling_and_hidden_files_in_the_listing(tmp_path: Path) -> None:
    import os

    from pipeline.lib.submit.inbox import inbox_files

    for name in ("a.csv", "b.ndjson", ".c.csv", "d.csv.part", "e.tmp", "f.jsonl"):
        (tmp_path / name).write_text("x\n")
    os.utime(tmp_path / "b.ndjson", (1_000, 1_000))
    os.utime(tmp_path / "a.csv", (1_050, 1_050))
    os.utime(tmp_path / "f.jsonl", (1_100, 1_100))
    ready, settling = inbox_files(tmp_path, settle_seconds=60, now=1_110)
    assert [f.path.name for f in ready] == ["a.csv", "b.ndjson"]
    assert [p.name for p in settling] == ["f.jsonl"]
