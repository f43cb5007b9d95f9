"""Parsing and checking inbox files before anything is sent to CQA."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.cqa.inbox import read_inbox_file
from pipeline.cqa.submit import BATCH_SIZE
from pipeline.lib.submit.flow import batches


def test_csv_with_mapping_and_extra_columns_as_metadata(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "Call_ID,type,recording,agent,campaign,duration_seconds\n"
        "call-001,voice,https://rec.example.com/1.wav,agent-42,retention,300\n"
        "call-003,CHAT,,agent-42,retention,\n"
    )
    rows = list(
        read_inbox_file(
            path,
            {
                "call_id": "external_interaction_id",
                "Type": "channel_type",
                "recording": "audio_url",
            },
        )
    )
    assert rows[0].ok
    assert rows[0].interaction == {
        "external_interaction_id": "call-001",
        "channel_type": "VOICE",
        "audio_url": "https://rec.example.com/1.wav",
        "duration_seconds": 300,
        "metadata": {"agent": "agent-42", "campaign": "retention"},
    }
    assert not rows[1].ok and rows[1].line == 3
    assert "no content" in rows[1].reason and rows[1].external_id == "call-003"


def test_ndjson_checks_metadata_keys_and_values(tmp_path: Path) -> None:
    base = {"channel_type": "VOICE", "audio_url": "https://rec.example.com/x.wav"}
    lines = [
        {**base, "external_interaction_id": "ok-1", "metadata": {"agent_email": "a@b.c"}},
        {**base, "external_interaction_id": "many", "metadata": {f"k{i}": i for i in range(51)}},
        {**base, "external_interaction_id": "nested", "metadata": {"agent": {"id": 1}}},
        {**base, "channel_type": ""},
    ]
    path = tmp_path / "calls.ndjson"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    rows = list(read_inbox_file(path, {}))
    assert [r.ok for r in rows] == [True, False, False, False, False]
    assert "51 keys" in rows[1].reason
    assert "agent" in rows[2].reason and "strings, numbers or booleans" in rows[2].reason
    assert "external_interaction_id is missing" in rows[3].reason
    assert rows[4].reason.startswith("not JSON")


def test_batches_hold_at_most_100() -> None:
    assert [len(b) for b in batches(list(range(250)), BATCH_SIZE)] == [100, 100, 50]
