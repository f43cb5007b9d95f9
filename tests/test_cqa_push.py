"""Pushing inbox files to CQA over real HTTP: validation, batches, ledger, polling, sensor."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import build_sensor_context

from pipeline.build import build_defs
from tests.conftest import DAY, only_vendor


@pytest.fixture
def cqa_only(monkeypatch, warehouse):
    return only_vendor("CQA_", monkeypatch, warehouse)


def _inbox(warehouse) -> Path:
    inbox = warehouse.path.parent / "inbox"
    inbox.mkdir(exist_ok=True)
    return inbox


def _push(warehouse):
    job = build_defs().resolve_job_def("cqa_push")
    result = job.execute_in_process(instance=warehouse.instance, raise_on_error=False)
    assert result.success, result
    return result


def _ledger(warehouse) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in warehouse.query(
            "select submission_key, status, reason, batch_id from raw.submissions "
            "where vendor = 'cqa'"
        )
    }


def test_a_csv_with_a_bad_row_submits_the_good_rows_and_keeps_the_bad_one(
    cqa_only, sandbox
) -> None:
    warehouse = cqa_only
    (_inbox(warehouse) / "monday.csv").write_text(
        "external_interaction_id,channel_type,audio_url,agent_email\n"
        "push-001,VOICE,https://rec.example.com/1.wav,amara.okafor@example.com\n"
        "push-002,VOICE,,ben.carter@example.com\n"
        "push-003,CHAT,https://rec.example.com/3.wav,dev.patel@example.com\n"
    )
    _push(warehouse)
    assert sorted(sandbox.cqa.submitted_external_ids) == ["push-001", "push-003"]
    ledger = _ledger(warehouse)
    assert ledger["push-002"][0] == "rejected" and "no content" in ledger["push-002"][1]
    assert ledger["push-001"][0] in ("submitted", "queued", "processing")
    quarantined = warehouse.query(
        "select record_key, reason from raw.quarantine where vendor = 'cqa'"
    )
    assert quarantined == [("monday.csv:3", "monday.csv:3: " + ledger["push-002"][1])]


def test_rerunning_the_push_submits_nothing_new(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    rows = "\n".join(f"push-{n:03d},VOICE,https://rec.example.com/{n}.wav" for n in range(150))
    (_inbox(warehouse) / "big.csv").write_text(
        "external_interaction_id,channel_type,audio_url\n" + rows + "\n"
    )
    first = _push(warehouse)
    assert len(sandbox.cqa.submitted_external_ids) == 150
    assert sandbox.cqa.requests["batch_submit"] == 2, "150 rows go as batches of 100 and 50"
    assert len({r[2] for r in _ledger(warehouse).values()}) == 2
    metadata = first.asset_materializations_for_node("raw__cqa__submissions")[0].metadata
    assert metadata["submitted"].value == 150

    _push(warehouse)
    _push(warehouse)
    assert len(sandbox.cqa.submitted_external_ids) == 150
    assert sandbox.cqa.requests["batch_submit"] == 2


def test_a_pending_interaction_is_picked_up_when_it_completes(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    (_inbox(warehouse) / "calls.ndjson").write_text(
        '{"external_interaction_id": "push-ok", "channel_type": "VOICE", '
        '"audio_url": "https://rec.example.com/ok.wav", '
        '"metadata": {"agent_email": "Elena.Rossi@example.com"}}\n'
        '{"external_interaction_id": "push-fail", "channel_type": "VOICE", '
        '"audio_url": "https://rec.example.com/fail.wav"}\n'
    )
    defs = build_defs()
    sensor = defs.resolve_sensor_def("cqa_finished_interactions")
    repository = defs.get_repository_def()

    _push(warehouse)  # submitted, then the batch shows them queued; the first poll: processing
    assert {v[0] for v in _ledger(warehouse).values()} == {"processing"}

    def tick(cursor=None):
        return sensor.evaluate_tick(
            build_sensor_context(
                instance=warehouse.instance, cursor=cursor, repository_def=repository
            )
        )

    waiting = tick()
    assert waiting.run_requests == [] and "no cqa submission finished" in waiting.skip_message

    _push(warehouse)  # the next poll: completed / failed
    ledger = _ledger(warehouse)
    assert ledger["push-ok"][0] == "completed"
    assert ledger["push-fail"][0] == "failed"
    assert ledger["push-fail"][1] == "Audio could not be downloaded"

    result = tick()
    assert [r.partition_key for r in result.run_requests] == [DAY.isoformat()]
    assert result.cursor is not None
    # The same cursor again requests nothing new.
    again = tick(result.cursor)
    assert again.run_requests == []

    # What the sensor asks for: the day pulled again, now with the pushed interaction analysed.
    assert warehouse.run(DAY) == []
    rows = warehouse.query(
        "select e.evaluation_type, a.email from marts.fct_evaluation e "
        "join marts.fct_interaction i using (interaction_id) "
        "join marts.dim_agent a on a.agent_id = e.agent_id "
        "where i.external_interaction_id = 'push-ok'"
    )
    assert rows == [("ai", "elena.rossi@example.com")]


def test_cqa_duplicates_count_as_already_submitted(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    from pipeline.cqa.client import CqaClient
    from pipeline.cqa.resources import CqaResource

    # CQA already has push-dup (sent by another tool, or before the ledger was lost).
    client = CqaClient(
        CqaResource(
            base_url=sandbox.url + "/cqa",
            account_id=sandbox.cqa.account_id,
            api_key=sandbox.cqa.api_key,
        )
    )
    client.submit_batch(
        [
            {
                "external_interaction_id": "push-dup",
                "channel_type": "VOICE",
                "audio_url": "https://rec.example.com/d.wav",
            }
        ]
    )
    client.close()
    (_inbox(warehouse) / "dup.csv").write_text(
        "external_interaction_id,channel_type,audio_url\n"
        "push-dup,VOICE,https://rec.example.com/d.wav\n"
        "push-new,VOICE,https://rec.example.com/n.wav\n"
    )
    _push(warehouse)
    ledger = _ledger(warehouse)
    assert ledger["push-dup"][0] == "duplicate" and "Duplicate" in ledger["push-dup"][1]
    assert ledger["push-new"][0] != "rejected"
    _push(warehouse)
    assert sandbox.cqa.submitted_external_ids.count("push-dup") == 2, "once by hand, once by us"


def test_a_row_cqa_itself_refuses_is_quarantined_with_its_message(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    # A generic file_url passes our checks (CQA's file schema allows it), but the batch
    # endpoint wants audio_url or transcript_url: CQA's own message must be kept.
    (_inbox(warehouse) / "generic.csv").write_text(
        "external_interaction_id,channel_type,file_url,file_type\n"
        "push-generic,VOICE,https://files.example.com/g.wav,wav\n"
    )
    _push(warehouse)
    status, reason, _batch = _ledger(warehouse)["push-generic"]
    assert status == "rejected" and reason.startswith("CQA: At least one of audio_url")
    assert warehouse.query(
        "select record_key, reason from raw.quarantine where vendor = 'cqa'"
    ) == [
        (
            "push-generic",
            "push-generic: CQA: At least one of audio_url, transcript_url must be provided",
        )
    ]
