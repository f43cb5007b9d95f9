"""Exotel ExoVoiceAnalyze over real HTTP: insights requested from an inbox exactly once,
results posted by the sandbox to our webhook receiver (retried, doubled, some failing), kept
durable, authenticated, bounded and idempotent, landed exactly once, and the marts holding
every call once with what Exotel reported."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from dagster import build_sensor_context

from pipeline.build import build_defs
from pipeline.exotel.webhooks import ExotelWebhooks
from pipeline.lib.receive.app import ReceiverServer
from pipeline.lib.receive.callback import SignedCallback
from pipeline.lib.receive.journal import Journal
from pipeline.lib.receive.land import land_deliveries
from pipeline.lib.settings import WarehouseSettings
from pipeline.lib.submit import flow
from pipeline.lib.vendor import VendorConfigError
from pipeline.lib.warehouse import connect
from pipeline.receiver import build_receiver
from pipeline.status import vendor_status
from tests.conftest import DAY, Warehouse, only_vendor
from tests.waiting import wait_until

CLI = str(Path(sys.executable).with_name("qa-warehouse"))
TASKS = "summarization,sentiment,categorise,transcript"
CATEGORIES = "billing,sales,support"


@pytest.fixture
def exotel(monkeypatch, warehouse: Warehouse, sandbox) -> Warehouse:
    only_vendor("EXOTEL_", monkeypatch, warehouse)
    monkeypatch.setenv("EXOTEL_INSIGHT_TASKS", TASKS)
    monkeypatch.setenv("EXOTEL_CATEGORIES", CATEGORIES)
    _inbox().mkdir(parents=True, exist_ok=True)
    return warehouse


@contextmanager
def _running_receiver(sandbox, monkeypatch) -> Iterator[ReceiverServer]:
    app, journal, limits = build_receiver()
    with journal, ReceiverServer(app, limits=limits) as server:
        for name, value in sandbox.callback_env(server.url).items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def receiver(exotel, sandbox, monkeypatch) -> Iterator[ReceiverServer]:
    with _running_receiver(sandbox, monkeypatch) as server:
        yield server


def _inbox() -> Path:
    return Path(os.environ["EXOTEL_INBOX_PATH"])


def _journal_path() -> Path:
    return WarehouseSettings().webhook_journal()


def _calls(name: str, *rows: dict) -> None:
    (_inbox() / f"{name}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _sync(warehouse: Warehouse):
    result = (
        build_defs()
        .resolve_job_def("exotel_sync")
        .execute_in_process(instance=warehouse.instance, raise_on_error=False)
    )
    assert result.success, result
    return result


def _settle(sandbox) -> None:
    """Until the sandbox has posted every result it owes (retries included)."""
    wait_until(sandbox.exotel.settled, "the sandbox to post every result it owes")


def _ledger(warehouse: Warehouse) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in warehouse.query(
            "select submission_key, status, reason, vendor_id from raw.submissions "
            "where vendor = 'exotel'"
        )
    }


def _signed_url(receiver: ReceiverServer, task: str) -> str:
    secret = os.environ["EXOTEL_WEBHOOK_SECRET"]
    return SignedCallback("exotel", secret).url(f"{receiver.url}/webhooks/exotel", task)


def _metadata(result, node: str) -> dict:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}


def _check(result, name: str):
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation


def _job_of(warehouse: Warehouse, call_sid: str) -> str:
    return _ledger(warehouse)[call_sid][2]


def test_calls_reach_the_marts_once_with_what_exotel_reported(exotel, receiver, sandbox) -> None:
    # Every result posted twice (a retry after a lost answer), one call without a recording;
    # held until the requests are all sent.
    sandbox.exotel.duplicate_every = 1
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls(
        "calls",
        {
            "call_sid": "call0001",
            "start_time": "2026-03-23T10:15:00+05:30",
            "agent_email": " Amara.Okafor@Example.com ",
        },
        {"call_sid": "call0002", "start_time": "2026-03-23T08:00:00Z", "agent_id": "ag-2"},
        {"call_sid": "call0003norec", "start_time": "2026-03-23 09:00:00"},
        *({"call_sid": f"call01{n}", "start_time": "2026-03-23T12:00:00Z"} for n in range(5)),
    )
    (_inbox() / "more.csv").write_text(
        "Call_SID,start_time,agent_id,agent_email\ncall0201,2026-03-23T13:00:00Z,,ben.carter@example.com\n"
    )
    calls = {"call0001", "call0002", "call0003norec", "call0201"} | {f"call01{n}" for n in range(5)}
    result = _sync(exotel)
    assert _metadata(result, "raw__exotel__requests")["submitted"] == len(calls)
    request = sandbox.exotel.requests[0]
    assert request["insight_tasks"] == TASKS.split(",")
    assert request["categories"] == CATEGORIES.split(",")
    assert request["task_id"].startswith("qaw-call")
    # The reference and its signature in the path: a query string could be dropped.
    assert re.search(r"/webhooks/exotel/qaw-[^/]+/[0-9a-f]{64}$", request["callback_url"])
    sandbox.exotel.hold_deliveries.set()
    _settle(sandbox)
    posts = [a for a in sandbox.exotel.attempts if a.status == 200]
    assert len(posts) == 2 * len(calls), "every result posted twice, both answered 200"

    assert exotel.run(DAY) == []
    assert exotel.query("select count(*), min(copies), max(copies) from raw.exotel__webhooks") == [
        (len(calls), 2, 2)
    ], "a result posted twice is one row"
    jobs = {job.call_sid: job for job in sandbox.exotel.jobs.values()}
    rows = {
        row[0]: row[1:]
        for row in exotel.query(
            "select vendor_interaction_id, processing_status, failure_reason, sentiment, "
            "started_at, agent_id, external_interaction_id "
            "from marts.fct_interaction where vendor = 'exotel'"
        )
    }
    assert set(rows) == calls, "every call once"
    failed = {call for call in calls if sandbox.exotel.fails(call)}
    assert "call0003norec" in failed and len(failed) < len(calls) - 2
    for call in calls:
        posted = sandbox.exotel.result(jobs[call])
        if call in failed:
            # A failure names no task_id: matched through its signed callback URL.
            assert "task_id" not in posted
            assert rows[call][:3] == ("failed", "Forbidden to access recording url of call", None)
        else:
            expected = posted["sentiment"]["sentiment"].lower()
            assert rows[call][:3] == ("completed", None, expected)
        assert rows[call][5] == f"qaw-{call}"
    assert str(rows["call0001"][3]) == "2026-03-23 04:45:00", "IST start time in UTC"
    assert str(rows["call0003norec"][3]) == "2026-03-23 09:00:00", "no offset: UTC"
    amara = exotel.scalar(
        "select agent_id from marts.dim_agent where email = 'amara.okafor@example.com'"
    )
    assert rows["call0001"][4] == amara, "the inbox's agent matched by email"
    assert rows["call0201"][4] == exotel.scalar(
        "select agent_id from marts.dim_agent where email = 'ben.carter@example.com'"
    )
    assert rows["call0002"][4] is not None

    insights = {
        row[0]: row[1:]
        for row in exotel.query(
            "select vendor_interaction_id, summary, sentiment, sentiment_confidence, category, "
            "category_confidence, transcript from marts.fct_interaction_insight "
            "where vendor = 'exotel'"
        )
    }
    assert set(insights) == calls - failed
    completed = sorted(calls - failed)[0]
    posted = sandbox.exotel.result(jobs[completed])
    assert insights[completed] == (
        posted["summary"]["summary"],
        posted["sentiment"]["sentiment"].lower(),
        posted["sentiment"]["confidence"],
        posted["category"]["category"],
        posted["category"]["confidence"],
        posted["transcript"],
    )
    assert posted["category"]["category"] in CATEGORIES.split(",")

    # A re-run sends nothing again and changes nothing.
    marts = exotel.query("select * from marts.fct_interaction order by interaction_id")
    assert exotel.run(DAY) == []
    assert len(sandbox.exotel.requests) == len(calls)
    assert exotel.query("select * from marts.fct_interaction order by interaction_id") == marts
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == len(calls)


def test_unauthenticated_deliveries_are_refused_and_store_nothing(exotel, receiver) -> None:
    body = {"success": True, "job_id": "j-1", "task_id": "qaw-c1", "callSID": "c1"}
    url = f"{receiver.url}/webhooks/exotel"
    good = _signed_url(receiver, "qaw-c1")
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url + "?ref=qaw-c1&sig=" + "0" * 64, json=body).status_code == 403
    assert httpx.post(f"{url}/qaw-c1/{'0' * 64}", json=body).status_code == 403
    # A signature made for another request opens nothing else, in the path or the query.
    other = _signed_url(receiver, "qaw-c2").rsplit("/", 1)[1]
    assert httpx.post(url + f"?ref=qaw-c1&sig={other}", json=body).status_code == 403
    assert httpx.post(f"{url}/qaw-c1/{other}", json=body).status_code == 403
    wrong_secret = SignedCallback("exotel", "not-the-secret-at-all-0000").url(url, "qaw-c1")
    assert httpx.post(wrong_secret, json=body).status_code == 403
    assert httpx.post(f"{receiver.url}/webhooks/nobody", json=body).status_code == 404
    with Journal(_journal_path()) as journal:
        assert journal.counts_by_vendor() == {}
    assert httpx.post(good, json=body).status_code == 200
    health = httpx.get(f"{receiver.url}/healthz")
    assert health.status_code == 200 and health.json()["vendors"] == ["exotel"]


def test_oversized_and_slow_bodies_are_cut_off(exotel, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("QA_RECEIVER_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("QA_RECEIVER_BODY_TIMEOUT_SECONDS", "0.5")
    with _running_receiver(sandbox, monkeypatch) as receiver:
        url = _signed_url(receiver, "qaw-c1")
        big = {"success": True, "job_id": "j-big", "transcript": "x" * 10_000}
        assert httpx.post(url, json=big).status_code == 413

        def chunks() -> Iterator[bytes]:
            # No Content-Length: refused once the body passes the bound.
            for _ in range(20):
                yield b" " * 1000

        assert httpx.post(url, content=chunks()).status_code == 413
        # A sender that stops half-way through its body.
        path = url.removeprefix(receiver.url)
        with socket.create_connection((receiver.host, receiver.port), timeout=5) as slow:
            slow.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                'Content-Length: 200\r\n\r\n{"success": tr'.encode()
            )
            answer = slow.recv(1024).decode()
        assert answer.startswith("HTTP/1.1 408"), answer
        with Journal(_journal_path()) as journal:
            assert journal.counts_by_vendor() == {}
        small = {"success": True, "job_id": "j-small"}
        assert httpx.post(url, json=small).json()["status"] == "stored"


def test_a_delivery_retried_three_times_is_stored_once(exotel, receiver, sandbox) -> None:
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "callx1"})
    _sync(exotel)
    job = _job_of(exotel, "callx1")
    body = {
        "success": True,
        "reason": "",
        "task_id": "qaw-callx1",
        "job_id": job,
        "callSID": "callx1",
        "sentiment": {"sentiment": "POSITIVE", "confidence": 0.9},
    }
    url = _signed_url(receiver, "qaw-callx1")
    answers = [httpx.post(url, json=body).json()["status"] for _ in range(3)]
    assert answers == ["stored", "duplicate", "duplicate"]
    with Journal(_journal_path()) as journal:
        assert journal.counts("exotel") == {"waiting": 1}
    result = _sync(exotel)
    assert _metadata(result, "raw__exotel__webhooks")["deliveries_landed"] == 1
    assert exotel.query("select delivery_key, copies from raw.exotel__webhooks") == [(job, 3)]
    assert _ledger(exotel)["callx1"][0] == "completed"
    # Once more after it landed: still one row.
    assert httpx.post(url, json=body).json()["status"] == "duplicate"
    _sync(exotel)
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == 1
    sandbox.exotel.hold_deliveries.set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_receiver(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [CLI, "receiver", "--port", str(port)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )

    def answers() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    wait_until(answers, f"the receiver to answer (its log: {log})", process=process, interval=0.1)
    return process


def test_a_receiver_killed_right_after_answering_still_has_the_delivery(
    exotel, sandbox, tmp_path, monkeypatch
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/webhooks/exotel"
    monkeypatch.setenv("EXOTEL_CALLBACK_URL", url)
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "callk1"})
    _sync(exotel)
    job = _job_of(exotel, "callk1")
    log = tmp_path / "receiver.log"
    receiver = _start_receiver(port, log)
    body = {
        "success": False,
        "reason": "Forbidden to access recording url of call",
        "job_id": job,
        "callSID": "callk1",
    }
    signed = SignedCallback("exotel", os.environ["EXOTEL_WEBHOOK_SECRET"]).url(url, "qaw-callk1")
    answer = httpx.post(signed, json=body)
    receiver.send_signal(signal.SIGKILL)
    receiver.wait(timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "stored"

    receiver = _start_receiver(port, log)
    try:
        # Exotel's retry of it, to the restarted receiver: it is already there.
        assert httpx.post(signed, json=body).json()["status"] == "duplicate"
        # Refused deliveries leave a line too, with the path alone.
        assert httpx.post(url + "?ref=qaw-callk1&sig=00ff", json=body).status_code == 403
    finally:
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
    _sync(exotel)
    assert exotel.query("select delivery_key, copies from raw.exotel__webhooks") == [(job, 2)]
    assert _ledger(exotel)["callk1"][:2] == ("failed", "Forbidden to access recording url of call")

    text = log.read_text()
    assert text.count("POST /webhooks/exotel/qaw-callk1/*** 200") == 2
    assert "POST /webhooks/exotel 403" in text
    secret = os.environ["EXOTEL_WEBHOOK_SECRET"]
    for needle in (secret, signed.rsplit("/", 1)[1], "sig=", "ref="):
        assert needle not in text, f"{needle!r} in the receiver's log"
    sandbox.exotel.hold_deliveries.set()


class Killed(BaseException):
    """The process dying at that point."""


def test_a_landing_interrupted_midway_lands_each_delivery_exactly_once(
    exotel, receiver, sandbox, monkeypatch
) -> None:
    sandbox.exotel.hold_deliveries = threading.Event()
    calls = [f"calli{n}" for n in range(5)]
    _calls("calls", *({"call_sid": call} for call in calls))
    _sync(exotel)
    sandbox.exotel.hold_deliveries.set()
    _settle(sandbox)
    path = exotel.path
    source = ExotelWebhooks(os.environ["EXOTEL_WEBHOOK_SECRET"])

    def land(run_id: str):
        with Journal(_journal_path()) as journal:
            return land_deliveries(lambda: connect(path), journal, source, run_id, batch_size=2)

    # Killed after the warehouse committed the first batch, before the journal knew it.
    original = Journal.mark

    def crash(self, outcomes, run_id):
        raise Killed

    monkeypatch.setattr(Journal, "mark", crash)
    with pytest.raises(Killed):
        land("crashed-1")
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == 2

    # Killed inside the second batch's transaction: nothing of it is kept.
    monkeypatch.setattr(Journal, "mark", original)
    from pipeline.lib.receive import land as land_module

    applied = []
    real_apply = land_module.ledger.apply

    def apply_then_crash(conn, vendor, update, run_id):
        applied.append(update.key)
        if len(applied) == 4:
            raise Killed
        return real_apply(conn, vendor, update, run_id)

    monkeypatch.setattr(land_module.ledger, "apply", apply_then_crash)
    with pytest.raises(Killed):
        land("crashed-2")
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == 2

    monkeypatch.setattr(land_module.ledger, "apply", real_apply)
    # The first batch was marked by the second landing; the rest lands now.
    assert land("finished")["deliveries"] == 3
    assert exotel.query(
        "select count(*), count(distinct delivery_key) from raw.exotel__webhooks"
    ) == [(5, 5)]
    assert {
        k for k, (status, *_) in _ledger(exotel).items() if status in ("completed", "failed")
    } == set(calls)
    assert land("again")["deliveries"] == 0, "nothing is left to land"


def test_unreadable_and_unknown_deliveries_are_quarantined_with_the_reason(
    exotel, receiver, sandbox
) -> None:
    never_asked = _signed_url(receiver, "qaw-neverasked")
    answer = httpx.post(
        never_asked, json={"success": True, "job_id": "j-unknown", "task_id": "qaw-neverasked"}
    )
    assert answer.json()["status"] == "stored"
    garbled = httpx.post(
        never_asked, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 200 and garbled.json()["status"] == "quarantined"
    no_job = httpx.post(never_asked, json={"success": True})
    assert no_job.json() == {"status": "quarantined", "reason": "no job_id"}

    result = _sync(exotel)
    assert not _check(result, "no_unmatched_deliveries").passed
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == 0
    reasons = sorted(
        r
        for (r,) in exotel.query(
            "select reason from raw.quarantine where vendor = 'exotel' and resolved_at is null"
        )
    )
    assert len(reasons) == 3
    assert any("j-unknown" in r and "names no request of ours" in r for r in reasons)
    assert any("not JSON" in r for r in reasons)
    assert any("no job_id" in r for r in reasons)
    assert (
        exotel.scalar("select body from raw.quarantine where reason like '%not JSON%'")
        == "{not json"
    )
    # Landing again quarantines nothing twice.
    _sync(exotel)
    assert exotel.scalar("select count(*) from raw.quarantine where vendor = 'exotel'") == 3


def test_a_form_body_lands_with_its_fields(exotel, receiver, sandbox) -> None:
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "callf1"})
    _sync(exotel)
    job = _job_of(exotel, "callf1")
    form = f"success=true&job_id={job}&callSID=callf1&reason="
    answer = httpx.post(
        _signed_url(receiver, "qaw-callf1"),
        content=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.json()["status"] == "stored"
    _sync(exotel)
    payload, form_body = exotel.query("select payload, form_body from raw.exotel__webhooks")[0]
    assert json.loads(payload)["job_id"] == job and form_body == form
    assert _ledger(exotel)["callf1"][0] == "completed"
    sandbox.exotel.hold_deliveries.set()


def test_a_request_whose_answer_was_lost_is_never_sent_again(exotel, receiver, sandbox) -> None:
    # Exotel queues the job but answers after our client gave up: in doubt, not re-sent.
    sandbox.exotel.create_delay_seconds = 3.0
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "calld1"})
    result = _sync(exotel)
    assert not _check(result, "no_submissions_in_doubt").passed
    assert _ledger(exotel)["calld1"][0] == "in_doubt"
    _sync(exotel)
    assert len(sandbox.exotel.requests) == 1, "in doubt: not sent again"
    sandbox.exotel.create_delay_seconds = 0.0
    sandbox.exotel.hold_deliveries.set()
    _settle(sandbox)
    # Its result still came, naming the task in its signed URL: that settles the doubt, and
    # the delivery says its job id could not be checked against one of ours.
    _sync(exotel)
    status, _, job = _ledger(exotel)["calld1"]
    assert status == "completed" and job == next(iter(sandbox.exotel.jobs))
    assert exotel.query("select vendor_id_verified from raw.exotel__webhooks") == [(False,)]
    _sync(exotel)
    assert len(sandbox.exotel.requests) == 1


def test_both_error_shapes_are_read(exotel, receiver, sandbox) -> None:
    # RestException: a rate limit, waited out; ResponseData: a call Exotel does not know.
    sandbox.exotel.hold_deliveries = threading.Event()
    sandbox.exotel.create_faults.script("429_retry_after_seconds")
    _calls("calls", {"call_sid": "callok1"}, {"call_sid": "unknowncall"}, {"call_sid": "bad/sid"})
    result = _sync(exotel)
    ledger = _ledger(exotel)
    assert ledger["callok1"][0] == "queued"
    assert ledger["unknowncall"][0] == "rejected"
    assert "HTTP 404: Not found: Call not found" in ledger["unknowncall"][1]
    metadata = _metadata(result, "raw__exotel__requests")
    assert metadata["rejected"] == 1 and metadata["rejected_by_vendor"] == 1
    assert [r["task_id"] for r in sandbox.exotel.requests] == ["qaw-callok1"]
    reasons = [r for (r,) in exotel.query("select reason from raw.quarantine")]
    assert any("bad/sid" in r and "not a call SID" in r for r in reasons)
    sandbox.exotel.hold_deliveries.set()


def test_requests_without_a_result_are_overdue_in_status_and_the_check(
    exotel, receiver, sandbox, monkeypatch
) -> None:
    sandbox.exotel.hold_deliveries = threading.Event()
    monkeypatch.setenv("EXOTEL_RESULT_TIMEOUT_HOURS", "2")
    _calls("calls", {"call_sid": "callo1"})
    _sync(exotel)
    assert _ledger(exotel)["callo1"][0] == "queued"
    # Three hours later, by the clock the polling reads.
    later = flow.utc_now() + timedelta(hours=3)
    monkeypatch.setattr(flow, "utc_now", lambda: later)
    result = _sync(exotel)
    assert not _check(result, "no_overdue_submissions").passed
    assert _ledger(exotel)["callo1"][:2] == ("failed", "no result 2 hours after it was sent")
    text = vendor_status(exotel.path, {}, ["exotel"], ["exotel"], journal_path=_journal_path())
    # vendor, enabled, last window, rows, quarantined, pending, in doubt, overdue, waiting
    line = text.splitlines()[1].split()
    assert line[0] == "exotel" and line[7:9] == ["1", "0"]
    # The result arrives late all the same: it lands and completes the call.
    sandbox.exotel.hold_deliveries.set()
    _settle(sandbox)
    text = vendor_status(exotel.path, {}, ["exotel"], ["exotel"], journal_path=_journal_path())
    assert text.splitlines()[1].split()[8] == "1", "waiting to land"
    _sync(exotel)
    assert _ledger(exotel)["callo1"][0] == "completed"


def test_the_sensor_lands_what_the_receiver_took(exotel, receiver, sandbox) -> None:
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "calls1"})
    _sync(exotel)
    # A deployment's first full build has run: the land job builds what deliveries feed.
    defs = build_defs()
    build = defs.resolve_job_def("build_and_publish").execute_in_process(
        instance=exotel.instance, raise_on_error=False
    )
    assert build.success
    assert exotel.query(
        "select processing_status from marts.fct_interaction where vendor = 'exotel'"
    ) == [("queued",)]
    sensor = defs.resolve_sensor_def("exotel_deliveries")
    assert sensor.job_name == "exotel_land"
    idle = sensor(build_sensor_context())
    assert idle.skip_message and "no exotel delivery waiting" in idle.skip_message
    sandbox.exotel.hold_deliveries.set()
    _settle(sandbox)
    result = sensor(build_sensor_context())
    (request,) = result.run_requests
    assert sensor(build_sensor_context(cursor=result.cursor)).skip_message
    ran = defs.resolve_job_def("exotel_land").execute_in_process(
        instance=exotel.instance, raise_on_error=False
    )
    assert ran.success
    expected = "failed" if sandbox.exotel.fails("calls1") else "completed"
    assert exotel.query(
        "select processing_status from marts.fct_interaction where vendor = 'exotel'"
    ) == [(expected,)]
    assert not [a for a in ran.asset_materializations_for_node("raw__exotel__requests")]
    assert request.run_key.startswith("exotel-deliveries-")


def test_categorise_without_categories_is_refused_naming_the_variable(exotel, monkeypatch) -> None:
    monkeypatch.delenv("EXOTEL_CATEGORIES")
    with pytest.raises(VendorConfigError, match="EXOTEL_CATEGORIES is required"):
        build_defs()
    monkeypatch.setenv("EXOTEL_CATEGORIES", CATEGORIES)
    monkeypatch.setenv("EXOTEL_INSIGHT_TASKS", "summarization,emotions")
    with pytest.raises(
        VendorConfigError, match=r"EXOTEL_INSIGHT_TASKS 'summarization,emotions': emotions"
    ):
        build_defs()


def test_the_receiver_needs_a_webhook_secret(monkeypatch, tmp_path) -> None:
    for name in list(os.environ):
        if name.startswith("EXOTEL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    with pytest.raises(VendorConfigError, match="no webhook to receive"):
        build_receiver()
    monkeypatch.setenv("EXOTEL_WEBHOOK_SECRET", "short")
    with pytest.raises(VendorConfigError, match="EXOTEL_WEBHOOK_SECRET"):
        build_receiver()
    result = subprocess.run(
        [CLI, "receiver", "--port", "0"],
        env={k: v for k, v in os.environ.items() if k != "EXOTEL_WEBHOOK_SECRET"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no webhook to receive" in result.stderr
    # The receiver never opens the warehouse.
    assert not (tmp_path / "w.duckdb").exists()


def _closed_by_the_server(connection: socket.socket) -> bool:
    connection.setblocking(False)
    try:
        return connection.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_idle_and_slow_connections_are_closed_and_block_no_delivery(exotel, sandbox) -> None:
    """300 connections that send nothing and 20 that send half a request head: /healthz and a
    signed delivery are still answered, and the server closes every one of them once the
    head timeout passes (waited on as it happens, with an outer limit against a hang)."""
    app, journal, limits = build_receiver()
    limits = replace(limits, head_timeout_seconds=1.0)
    with journal, ReceiverServer(app, limits=limits) as server:
        idle = [socket.create_connection((server.host, server.port)) for _ in range(300)]
        slow = [socket.create_connection((server.host, server.port)) for _ in range(20)]
        for connection in slow:
            connection.sendall(b"POST /webhooks/exotel HTTP/1.1\r\nHost: receiver\r\nX-Sl")
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
        delivery = httpx.post(
            _signed_url(server, "qaw-busy"), json={"success": True, "job_id": "j-busy"}, timeout=30
        )
        assert delivery.status_code == 200 and delivery.json()["status"] == "stored"
        waiting = idle + slow

        def all_closed() -> bool:
            nonlocal waiting
            waiting = [c for c in waiting if not _closed_by_the_server(c)]
            return not waiting

        wait_until(all_closed, "the server to close every idle or slow connection", interval=0.1)
        for connection in idle + slow:
            connection.close()


def test_connections_past_the_limit_are_told_to_retry(exotel, sandbox) -> None:
    app, journal, limits = build_receiver()
    limits = replace(limits, head_timeout_seconds=1.0, max_connections=10)
    with journal, ReceiverServer(app, limits=limits) as server:
        held = [socket.create_connection((server.host, server.port)) for _ in range(12)]
        busy = httpx.get(f"{server.url}/healthz", timeout=30)
        assert busy.status_code == 503, "a vendor retries a 503"
        wait_until(
            lambda: all(_closed_by_the_server(c) for c in held),
            "the server to close the held connections",
            interval=0.1,
        )
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
        for connection in held:
            connection.close()


def test_bodies_nested_thousands_deep_are_stored_and_read_what_can_be(
    exotel, receiver, sandbox
) -> None:
    """Nesting 20,000 deep: an object whose unread field is that deep lands with its job id;
    an array that deep (not an object) is quarantined like any unreadable body; both are
    answered 200 and kept."""
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("calls", {"call_sid": "calldeep"})
    _sync(exotel)
    job = _job_of(exotel, "calldeep")
    deep = "[" * 20_000 + "]" * 20_000
    body = f'{{"success": true, "job_id": "{job}", "callSID": "calldeep", "extra": {deep}}}'
    url = _signed_url(receiver, "qaw-calldeep")
    answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json()["status"] == "stored"
    unreadable = httpx.post(url, content=deep, headers={"Content-Type": "application/json"})
    assert unreadable.status_code == 200 and unreadable.json()["status"] == "quarantined"
    _sync(exotel)
    assert _ledger(exotel)["calldeep"][0] == "completed"
    assert (
        exotel.scalar("select json_extract(payload, '$.extra')::varchar from raw.exotel__webhooks")
        == deep
    )
    (reason,) = exotel.query("select reason from raw.quarantine where vendor = 'exotel'")[0]
    assert "not a JSON object" in reason
    sandbox.exotel.hold_deliveries.set()


def test_odd_values_in_posted_results_land_with_every_delivery(exotel, receiver, sandbox) -> None:
    """Each result Exotel posts carries one of the odd values JSON allows: every delivery
    lands, none waits, and the raw rows keep the values."""
    from qa_sandbox.values import ODD_VALUES

    sandbox.exotel.odd.serve(*ODD_VALUES)
    sandbox.exotel.duplicate_every = 0
    _calls("calls", *({"call_sid": f"callodd{n}"} for n in range(len(ODD_VALUES))))
    _sync(exotel)
    _settle(sandbox)
    _sync(exotel)
    ledger = _ledger(exotel)
    assert {status for status, *_ in ledger.values()} <= {"completed", "failed"}
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == len(ODD_VALUES)
    assert exotel.scalar("select count(*) from raw.quarantine where vendor = 'exotel'") == 0
    kept = {
        value
        for (value,) in exotel.query(
            "select json_extract(payload, '$.vendor_free_text')::varchar from raw.exotel__webhooks"
        )
    }
    assert r'"cut short: \\ud83d"' in kept and r'"before\u0000after"' in kept
    assert any(v.startswith("[[[[") for v in kept) and '"' + "x" * 200_000 + '"' in kept


def test_results_arrive_whether_or_not_exotel_keeps_the_callbacks_query(
    exotel, receiver, sandbox
) -> None:
    """The reference and signature are in the callback URL's path, so a vendor that drops the
    query string still reaches us; URLs signed in the query before are still accepted."""
    sandbox.exotel.drop_query = True
    sandbox.exotel.duplicate_every = 0
    _calls("calls", {"call_sid": "callq1"}, {"call_sid": "callq2"})
    _sync(exotel)
    _settle(sandbox)
    _sync(exotel)
    assert {s for s, *_ in _ledger(exotel).values()} <= {"completed", "failed"}
    assert exotel.scalar("select count(*) from raw.exotel__webhooks") == 2
    # A request of the older form, signed in the query: its result is still taken.
    sandbox.exotel.hold_deliveries = threading.Event()
    _calls("more", {"call_sid": "callq3"})
    _sync(exotel)
    job = _job_of(exotel, "callq3")
    secret = os.environ["EXOTEL_WEBHOOK_SECRET"]
    older = SignedCallback("exotel", secret).query_url(
        f"{receiver.url}/webhooks/exotel", "qaw-callq3"
    )
    answer = httpx.post(older, json={"success": True, "job_id": job, "callSID": "callq3"})
    assert answer.json()["status"] == "stored"
    _sync(exotel)
    assert _ledger(exotel)["callq3"][0] == "completed"
    sandbox.exotel.hold_deliveries.set()
