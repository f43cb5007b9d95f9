"""Voxxi over real HTTP against the sandbox: calls submitted from an inbox exactly once,
whatever fails, polled until final, and the marts equal to what Voxxi analysed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from pipeline.build import build_defs
from pipeline.instance import PID_TAG
from pipeline.lib.submit import flow
from tests.conftest import DAY, Warehouse, only_vendor
from tests.waiting import wait_until

CLI = str(Path(sys.executable).with_name("qa-warehouse"))


@pytest.fixture
def voxxi(monkeypatch, warehouse: Warehouse, sandbox) -> Warehouse:
    only_vendor("VOXXI_", monkeypatch, warehouse)
    inbox = Path(os.environ["VOXXI_INBOX_PATH"])
    inbox.mkdir(parents=True, exist_ok=True)
    return warehouse


def _inbox() -> Path:
    return Path(os.environ["VOXXI_INBOX_PATH"])


def _member(sandbox, index: int) -> str:
    from qa_sandbox.roster import ROSTER
    from qa_sandbox.voxxi import member_id

    return member_id(ROSTER[index])


def _sync(warehouse: Warehouse):
    result = (
        build_defs()
        .resolve_job_def("voxxi_sync")
        .execute_in_process(instance=warehouse.instance, raise_on_error=False)
    )
    assert result.success, result
    return result


def _ledger(warehouse: Warehouse) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in warehouse.query(
            "select submission_key, status, reason, vendor_id from raw.submissions "
            "where vendor = 'voxxi'"
        )
    }


def _metadata(result, node: str) -> dict:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}


def test_an_inbox_reaches_the_marts_as_voxxi_analysed_it(voxxi, sandbox) -> None:
    from qa_sandbox.roster import ROSTER

    rows = [
        {
            "audio_url": f"https://rec.example.com/{n}.wav",
            "memberId": _member(sandbox, n),
            "categoryId": "cat_sales",
            "date": "2026-03-23",
        }
        for n in range(4)
    ]
    # An agent given by email, in another case than Voxxi holds it, and a recording that fails.
    rows.append(
        {
            "audio_url": "https://rec.example.com/by-email.wav",
            "memberId": ROSTER[5].email.upper(),
            "categoryId": "cat_sales",
            "date": "23/03/2026 14:30",
        }
    )
    rows.append(
        {
            "audio_url": "https://rec.example.com/will-fail.wav",
            "memberId": _member(sandbox, 1),
            "categoryId": "cat_sales",
        }
    )
    (_inbox() / "calls.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (_inbox() / "more.csv").write_text(
        "audio_url,memberId,categoryId,date,udfs\n"
        f"https://rec.example.com/csv.wav,{_member(sandbox, 2)},cat_sales,2026-03-23,"
        '"{""queue"": ""billing""}"\n'
    )
    first = _sync(voxxi)
    submitted = _metadata(first, "raw__voxxi__submissions")
    assert submitted["submitted"] == 7 and submitted["rejected"] == 0
    while any(s[0] not in ("completed", "failed") for s in _ledger(voxxi).values()):
        _sync(voxxi)
    assert voxxi.run(DAY, vendors=["voxxi"]) == []

    assert len(sandbox.voxxi.creates) == 7, "each call created once"
    truth = {call.call_id: sandbox.voxxi._document(call) for call in sandbox.voxxi.calls.values()}
    interactions = dict(
        voxxi.query(
            "select vendor_interaction_id, processing_status from marts.fct_interaction "
            "where vendor = 'voxxi'"
        )
    )
    assert interactions == {cid: doc["status"] for cid, doc in truth.items()}
    failed = voxxi.query(
        "select failure_reason from marts.fct_interaction where processing_status = 'failed'"
    )
    assert ("Recording could not be ingested",) in failed
    evaluations = dict(
        voxxi.query(
            "select vendor_evaluation_id, score from marts.fct_evaluation where vendor = 'voxxi'"
        )
    )
    assert evaluations == {
        cid: doc["analysis"]["score"] for cid, doc in truth.items() if doc["status"] == "completed"
    }
    criteria = voxxi.scalar("select count(*) from marts.fct_kpi_score where vendor = 'voxxi'")
    assert criteria == sum(
        len(section["criterias"])
        for doc in truth.values()
        if doc["analysis"]
        for section in doc["analysis"]["sections"]
    )
    assert (
        voxxi.scalar(
            "select count(*) from marts.fct_kpi_score where vendor = 'voxxi' and answer = 'na' "
            "and score_pct is not null"
        )
        == 0
    )
    # The call given by email matched the agent Voxxi lists under that email.
    by_email = voxxi.query(
        "select a.email from marts.fct_interaction i join marts.dim_agent a using (agent_id) "
        "where i.vendor = 'voxxi' and i.external_interaction_id in "
        "(select submission_key from raw.submissions where payload ->> 'audio_url' like "
        "'%by-email%')"
    )
    assert by_email == [(ROSTER[5].email,)]
    started = voxxi.query(
        "select started_at from marts.fct_interaction i join raw.submissions s "
        "on s.submission_key = i.external_interaction_id where s.payload ->> 'date' = '2026-03-23'"
    )
    assert started and all(str(s) == "2026-03-23 03:30:00" for (s,) in started), (
        "a date alone is 09:00 IST, 03:30 UTC"
    )


def test_the_same_call_in_two_files_or_read_again_is_submitted_once(voxxi, sandbox) -> None:
    row = {
        "audio_url": "https://rec.example.com/one.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "a.ndjson").write_text(json.dumps(row) + "\n")
    (_inbox() / "b.csv").write_text(
        f"audio_url,memberId,categoryId\n{row['audio_url']},{row['memberId']},{row['categoryId']}\n"
    )
    result = _sync(voxxi)
    assert _metadata(result, "raw__voxxi__submissions")["duplicates_in_inbox"] == 1
    (_inbox() / "c.ndjson").write_text(json.dumps(row) + "\n")
    again = _sync(voxxi)
    assert _metadata(again, "raw__voxxi__submissions")["already_submitted"] == 1
    assert len(sandbox.voxxi.creates) == 1


def test_rows_voxxi_would_refuse_are_quarantined_and_the_rest_go(voxxi, sandbox) -> None:
    good = {
        "audio_url": "https://rec.example.com/ok.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    rows = [
        good,
        {**good, "audio_url": "https://rec.example.com/a.wav", "categoryId": ""},
        {**good, "audio_url": "https://rec.example.com/b.wav", "date": "March 3rd"},
        {**good, "audio_url": "https://rec.example.com/c.wav", "udfs": ["not", "an", "object"]},
        {**good, "audio_url": "recordings/missing.wav"},
    ]
    (_inbox() / "calls.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _sync(voxxi)
    assert len(sandbox.voxxi.creates) == 1
    reasons = dict(
        voxxi.query("select record_key, reason from raw.quarantine where vendor = 'voxxi'")
    )
    assert "categoryId missing" in reasons["calls.ndjson:2"]
    assert "'March 3rd' is not a form Voxxi takes" in reasons["calls.ndjson:3"]
    assert "udfs is not a JSON object" in reasons["calls.ndjson:4"]
    assert "no such file" in reasons["calls.ndjson:5"]


def test_a_local_recording_is_uploaded_through_a_presigned_url(voxxi, sandbox) -> None:
    recording = _inbox() / "recordings" / "call.wav"
    recording.parent.mkdir()
    recording.write_bytes(b"RIFF-recorded-audio")
    row = {
        "audio_url": "recordings/call.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    _sync(voxxi)
    assert list(sandbox.voxxi.uploads.values()) == [b"RIFF-recorded-audio"]
    (created,) = sandbox.voxxi.creates
    assert created["audio_url"].startswith("https://storage.voxxi.example/")


def test_polling_goes_on_while_voxxi_says_it_is_working(voxxi, sandbox) -> None:
    sandbox.voxxi.polls_to_finish = 4
    # The call's id is new each time: no random failure (one in nine) for this one.
    sandbox.voxxi.fail_one_in = 0
    row = {
        "audio_url": "https://rec.example.com/slow.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    statuses = []
    for _ in range(5):
        result = _sync(voxxi)
        (status,) = (s[0] for s in _ledger(voxxi).values())
        statuses.append(status)
    # `processing` (the create's answer) and `pending` (the analysis sample) are Voxxi's
    # documented words for work in progress.
    assert statuses == ["processing", "pending", "pending", "pending", "completed"]
    became = _metadata(result, "raw__voxxi__call_analyses")
    assert became["became_completed"] == 1 and became["polled"] == 1
    # Each new word of the analysis was kept as received; unchanged answers were not.
    versions = voxxi.scalar("select count(*) from raw.voxxi__call_analyses")
    assert versions == 3  # processing, pending, completed


def test_an_undocumented_final_word_ends_polling_kept_and_reported(voxxi, sandbox) -> None:
    """Voxxi's documents show no final status. Whatever words it ends a call with (here
    `done`, and `error` with its reason in `reason`), polling ends at the first one, the word
    is kept as received, said once in the run and shown by `status`, and the finished
    analysis is an evaluation."""
    sandbox.voxxi.done_status, sandbox.voxxi.failed_status = "Done", "ERROR"
    sandbox.voxxi.failure_field = "reason"
    sandbox.voxxi.fail_one_in = 0
    rows = [
        {
            "audio_url": f"https://rec.example.com/{name}.wav",
            "memberId": _member(sandbox, 0),
            "categoryId": "cat_sales",
        }
        for name in ("good", "will-fail")
    ]
    (_inbox() / "calls.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    results = [_sync(voxxi) for _ in range(4)]
    ledger = {
        row[0]: row[1:]
        for row in voxxi.query(
            "select payload ->> 'audio_url', status, reason from raw.submissions"
        )
    }
    assert ledger["https://rec.example.com/good.wav"] == ("done", None)
    assert ledger["https://rec.example.com/will-fail.wav"] == (
        "error",
        "Recording could not be ingested",
    )
    polls = sandbox.voxxi.requests["analysis"]
    _sync(voxxi)
    assert sandbox.voxxi.requests["analysis"] == polls, "nothing polled after the final word"
    reported = [
        _metadata(r, "raw__voxxi__call_analyses").get("ended_with_unknown_status", 0)
        for r in results
    ]
    assert sum(reported) == 2 and reported.count(0) == 3, "said once, in the run it happened"
    status = subprocess.run([CLI, "status"], capture_output=True, text=True).stdout
    assert "'done' (1)" in status and "'error' (1)" in status
    assert voxxi.run(DAY, vendors=["voxxi"]) == []
    assert voxxi.scalar("select count(*) from marts.fct_evaluation where vendor = 'voxxi'") == 1


def test_a_call_that_never_finishes_fails_after_the_result_timeout(
    voxxi, sandbox, monkeypatch
) -> None:
    monkeypatch.setenv("VOXXI_RESULT_TIMEOUT_HOURS", "2")
    sandbox.voxxi.polls_to_finish = 1000
    row = {
        "audio_url": "https://rec.example.com/stuck.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    _sync(voxxi)
    assert [status for status, _, _ in _ledger(voxxi).values()] == ["processing"]
    # Three hours later, by the clock the polling reads.
    later = flow.utc_now() + timedelta(hours=3)
    monkeypatch.setattr(flow, "utc_now", lambda: later)
    result = _sync(voxxi)
    ((status, reason, _),) = _ledger(voxxi).values()
    assert status == "failed" and reason == "no result 2 hours after it was sent"
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["no_overdue_submissions"] is False
    polls = sandbox.voxxi.requests["analysis"]
    _sync(voxxi)
    assert sandbox.voxxi.requests["analysis"] == polls, "a failed call is polled no more"


def test_a_timeout_on_create_is_in_doubt_and_never_retried(voxxi, sandbox, monkeypatch) -> None:
    sandbox.voxxi.create_delay_seconds = 3.0  # Voxxi created the call; its answer comes late
    row = {
        "audio_url": "https://rec.example.com/late.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    result = _sync(voxxi)
    assert len(sandbox.voxxi.creates) == 1, "not retried after it may have arrived"
    ((key, (status, reason, _)),) = _ledger(voxxi).items()
    assert status == "in_doubt" and "ReadTimeout" in reason
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["no_submissions_in_doubt"] is False
    sandbox.voxxi.create_delay_seconds = 0.0
    _sync(voxxi)
    assert len(sandbox.voxxi.creates) == 1, "in doubt: never sent again by itself"

    resubmit = subprocess.run(
        [CLI, "resubmit", "--vendor", "voxxi", "--key", key], capture_output=True, text=True
    )
    assert resubmit.returncode == 0, resubmit.stderr
    _sync(voxxi)
    assert len(sandbox.voxxi.creates) == 2, "sent again once someone asked"


def test_a_429_on_create_is_waited_out_and_sent_once(voxxi, sandbox) -> None:
    sandbox.voxxi.create_faults.script("429_retry_after_seconds")
    row = {
        "audio_url": "https://rec.example.com/busy.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    _sync(voxxi)
    assert sandbox.voxxi.requests["create"] == 2 and len(sandbox.voxxi.creates) == 1
    assert next(iter(_ledger(voxxi).values()))[0] != "in_doubt"


def test_a_run_killed_between_the_request_and_its_record_leaves_the_call_in_doubt(
    voxxi, sandbox
) -> None:
    hold = threading.Event()
    sandbox.voxxi.hold_creates = hold
    row = {
        "audio_url": "https://rec.example.com/crash.wav",
        "memberId": _member(sandbox, 0),
        "categoryId": "cat_sales",
    }
    (_inbox() / "calls.ndjson").write_text(json.dumps(row) + "\n")
    process = subprocess.Popen(
        [CLI, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat(), "--vendor", "voxxi"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: sandbox.voxxi.creates, "Voxxi to create the call", process=process)
        # Voxxi has created the call; the run dies before it hears so.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        hold.set()
    assert next(iter(_ledger(voxxi).values()))[0] == "sending"
    _sync(voxxi)
    ((status, reason, _),) = _ledger(voxxi).values()
    assert status == "in_doubt" and "stopped before the vendor's answer" in reason
    assert len(sandbox.voxxi.creates) == 1, "not sent twice"
    status_text = subprocess.run([CLI, "status"], capture_output=True, text=True).stdout
    voxxi_line = next(line for line in status_text.splitlines() if line.startswith("voxxi"))
    assert voxxi_line.split()[6] == "1", status_text  # the "in doubt" column
    # The killed run held Voxxi's pool slot in the instance; the next run reclaims it rather
    # than wait for it for ever.
    again = subprocess.run(
        [CLI, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat(), "--vendor", "voxxi"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    with DagsterInstance.get() as instance:
        killed = [run for run in instance.get_runs(RunsFilter(tags={PID_TAG: str(process.pid)}))]
        assert killed and all(run.status == DagsterRunStatus.FAILURE for run in killed)
        assert not instance.event_log_storage.get_concurrency_info("voxxi_api").claimed_slots


def test_both_error_shapes_name_the_credentials(voxxi, sandbox, monkeypatch) -> None:
    from pipeline.lib.http import AuthenticationError
    from pipeline.voxxi.client import VoxxiClient
    from pipeline.voxxi.resources import VoxxiResource

    for old in (False, True):
        sandbox.voxxi.old_error_shape = old
        client = VoxxiClient(
            VoxxiResource(
                base_url=os.environ["VOXXI_BASE_URL"], api_token="vx_wrong_key_0123456789"
            )
        )
        try:
            with pytest.raises(AuthenticationError, match=r"Invalid API key.*VOXXI_API_TOKEN"):
                client.create_call({"memberId": "m", "categoryId": "c", "audio_url": "u"})
        finally:
            client.close()
    client = VoxxiClient(
        VoxxiResource(
            base_url=os.environ["VOXXI_BASE_URL"],
            api_token=os.environ["VOXXI_API_TOKEN"],
            auth_header="x-api-key",
        )
    )
    try:
        pages = list(client.agent_pages(lambda *_: None))
    finally:
        client.close()
    assert pages[0].records > 0
    assert sandbox.voxxi.creates == []
