"""No inbox row is lost, in any order of failures: a row leaves its inbox, or its quarantine
item is settled, only once the ledger holds it in a state a later run finishes. Real runs are
killed with SIGKILL at each step of a submission; every row is then sent exactly once, or
reported in doubt (never sent twice, never silently gone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.build import build_defs
from tests.conftest import Warehouse, only_vendor

KILL_AT = str(Path(__file__).with_name("kill_at.py"))


@pytest.fixture
def voxxi(monkeypatch, warehouse: Warehouse, sandbox) -> Warehouse:
    only_vendor("VOXXI_", monkeypatch, warehouse)
    Path(os.environ["VOXXI_INBOX_PATH"]).mkdir(parents=True, exist_ok=True)
    # Every call completes: the outcome of a row depends on the kill alone.
    sandbox.voxxi.fail_one_in = 0
    return warehouse


def _inbox() -> Path:
    return Path(os.environ["VOXXI_INBOX_PATH"])


def _row(name: str) -> dict:
    from qa_sandbox.roster import ROSTER
    from qa_sandbox.voxxi import member_id

    return {"audio_url": name, "memberId": member_id(ROSTER[0]), "categoryId": "cat_sales"}


def _sync(warehouse: Warehouse, *, success: bool = True):
    result = (
        build_defs()
        .resolve_job_def("voxxi_sync")
        .execute_in_process(instance=warehouse.instance, raise_on_error=False)
    )
    assert result.success == success, result
    return result


def _ledger(warehouse: Warehouse) -> dict[str, str]:
    return dict(
        warehouse.query(
            "select payload ->> 'audio_url', status from raw.submissions where vendor = 'voxxi'"
        )
    )


def _created(sandbox) -> Counter[str]:
    return Counter(body["audio_url"] for body in sandbox.voxxi.creates)


def _uploaded_name(url: str) -> str:
    return url.rsplit("-", 1)[-1]


ROWS = [f"https://rec.example.com/kill-{n}.wav" for n in range(3)]
# A local recording, missing at first: refused, then replayed once the file is there.
REPLAYED = "recordings/late.wav"

# (where the run is killed, on which call): each step of a submission.
STEPS = {
    "reading the inbox, before the file is archived": ("pipeline.lib.submit.flow:archive", 1),
    "replaying a refused row, inside its transaction": (
        "pipeline.lib.raw_log:resolve_items",
        1,
    ),
    "claiming a batch, inside its transaction": ("pipeline.lib.submit.sending:claim", 2),
    "after the claim, before the request": (
        "pipeline.voxxi.submit:VoxxiSubmitter.submit",
        2,
    ),
    "after the vendor answered, before the answer is recorded": (
        "pipeline.lib.submit.flow:SubmissionRun._apply",
        2,
    ),
    "recording the answers polled": ("pipeline.lib.submit.flow:land_results", 1),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_run_killed_at_any_step_sends_each_row_once_or_reports_it(voxxi, sandbox, step) -> None:
    (_inbox() / "first.ndjson").write_text(json.dumps(_row(REPLAYED)) + "\n")
    _sync(voxxi)
    assert "no such file" in voxxi.scalar("select reason from raw.quarantine")
    recording = _inbox() / REPLAYED
    recording.parent.mkdir()
    recording.write_bytes(b"RIFF-late")
    (_inbox() / "calls.ndjson").write_text("".join(json.dumps(_row(url)) + "\n" for url in ROWS))

    target, nth = STEPS[step]
    killed = subprocess.run(
        [sys.executable, KILL_AT, "voxxi_sync", target, str(nth)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -9, f"not killed at {step}: {killed.stderr[-2000:]}"

    # Later runs finish what the killed one left (a call is final after two polls).
    for _ in range(4):
        _sync(voxxi)
    ledger = _ledger(voxxi)
    created = _created(sandbox)
    uploaded = [url for url in created if url.startswith("https://storage.voxxi.example/")]
    assert all(count == 1 for count in created.values()), f"sent twice: {created}"
    for url in ROWS:
        status = ledger.get(url)
        assert status is not None, f"{url} is neither sent nor in the ledger"
        if status == "in_doubt":
            assert created[url] <= 1, "reported, and never sent twice"
        else:
            assert status == "completed" and created[url] == 1, (url, status)
    assert ledger.get(REPLAYED) in ("completed", "in_doubt"), ledger
    if ledger[REPLAYED] == "completed":
        assert [_uploaded_name(u) for u in uploaded] == ["late.wav"]
    assert not {"unsent", "sending"} & set(ledger.values())
    assert (
        voxxi.scalar(
            "select count(*) from raw.quarantine where vendor = 'voxxi' and resolved_at is null"
        )
        == 0
    ), "the refused row's item is settled once the row is in the ledger"
    assert [p.name for p in _inbox().iterdir() if p.is_file()] == []


def test_a_recording_that_cannot_be_uploaded_waits_unsent_for_the_next_run(voxxi, sandbox) -> None:
    recording = _inbox() / "recordings" / "call.wav"
    recording.parent.mkdir()
    recording.write_bytes(b"RIFF-call")
    (_inbox() / "calls.ndjson").write_text(json.dumps(_row("recordings/call.wav")) + "\n")
    sandbox.voxxi.refuse_uploads = True
    result = _sync(voxxi)
    metadata = result.asset_materializations_for_node("raw__voxxi__submissions")[0].metadata
    assert metadata["not_sent"].value == 1
    status, reason = voxxi.query(
        "select status, reason from raw.submissions where vendor = 'voxxi'"
    )[0]
    assert status == "unsent" and "could not be uploaded" in reason
    assert not (_inbox() / "calls.ndjson").exists(), "the file left the inbox: the ledger has it"
    assert sandbox.voxxi.creates == []
    sandbox.voxxi.refuse_uploads = False
    _sync(voxxi)
    assert list(sandbox.voxxi.uploads.values()) == [b"RIFF-call"]
    assert len(sandbox.voxxi.creates) == 1


def test_a_replayed_row_survives_a_run_that_fails_on_its_credentials(
    voxxi, sandbox, monkeypatch
) -> None:
    (_inbox() / "calls.ndjson").write_text(json.dumps(_row(REPLAYED)) + "\n")
    _sync(voxxi)
    recording = _inbox() / REPLAYED
    recording.parent.mkdir()
    recording.write_bytes(b"RIFF-late")
    token = os.environ["VOXXI_API_TOKEN"]
    monkeypatch.setenv("VOXXI_API_TOKEN", "vx_rotated_wrong_0123456789")
    _sync(voxxi, success=False)
    assert voxxi.scalar("select status from raw.submissions where vendor = 'voxxi'") == "unsent"
    monkeypatch.setenv("VOXXI_API_TOKEN", token)
    _sync(voxxi)
    assert len(sandbox.voxxi.creates) == 1
    assert voxxi.scalar("select status from raw.submissions where vendor = 'voxxi'") in (
        "processing",
        "pending",
        "completed",
    )


@pytest.mark.parametrize(
    "audio_url",
    [
        "/proc/self/environ",
        "file:///proc/self/environ",
        "~/recording.wav",
        "../outside.wav",
        "recordings/../../outside.wav",
        "recordings/link.wav",
        "ftp://rec.example.com/call.wav",
    ],
)
def test_local_recordings_are_read_from_the_recordings_folder_only(
    tmp_path: Path, audio_url: str
) -> None:
    from pipeline.lib.submit.submitter import RowRejected
    from pipeline.voxxi.models import local_recording

    root = tmp_path / "inbox"
    (root / "recordings").mkdir(parents=True)
    (tmp_path / "outside.wav").write_bytes(b"secret")
    (root / "recordings" / "link.wav").symlink_to(tmp_path / "outside.wav")
    (root / "recordings" / "in.wav").write_bytes(b"ok")
    with pytest.raises(RowRejected, match=r"recordings folder|not an http"):
        local_recording(audio_url, root)
    assert local_recording("recordings/in.wav", root) == (root / "recordings" / "in.wav")
    assert local_recording(f"file://{root}/recordings/in.wav", root) == (
        root / "recordings" / "in.wav"
    )
    assert local_recording("https://rec.example.com/x.wav", root) is None


def test_a_row_naming_a_file_outside_the_folder_is_refused_and_the_rest_go(voxxi, sandbox) -> None:
    rows = [_row("/proc/self/environ"), _row("https://rec.example.com/fine.wav")]
    (_inbox() / "calls.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _sync(voxxi)
    assert [c["audio_url"] for c in sandbox.voxxi.creates] == ["https://rec.example.com/fine.wav"]
    assert sandbox.voxxi.uploads == {}
    reason = voxxi.scalar("select reason from raw.quarantine where vendor = 'voxxi'")
    assert "outside the recordings folder" in reason
