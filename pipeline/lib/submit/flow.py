"""Submit what is new in a vendor's inbox, then poll what the vendor has not finished.

The vendor's part is a `Submitter`: how a row becomes a submission, how a batch is sent, and
how unfinished submissions are asked about. Everything else is here, the same for every
vendor: the inbox, the ledger's intent before each request, in-doubt and resubmitted rows,
quarantine (and replay) of what cannot be sent, and a result timeout. The warehouse is opened
only for short transactions, never while a request is in flight.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb
from filelock import FileLock

from pipeline.lib import raw_log
from pipeline.lib.http import ClientRequestError, MaybeSentError
from pipeline.lib.raw_log import QuarantineItem
from pipeline.lib.raw_schema import ensure_raw_schema, transaction
from pipeline.lib.redaction import reason_of
from pipeline.lib.submit import ledger, sending
from pipeline.lib.submit.inbox import (
    InboxFile,
    InboxFileError,
    InboxRow,
    archive,
    check_utf8,
    inbox_files,
    is_quarantined_row,
    read_inbox_file,
)
from pipeline.lib.submit.ledger import Submission, Update
from pipeline.lib.submit.results import Result, land_results
from pipeline.lib.submit.submitter import Inbox, NotSent, RowRejected, Submitter
from pipeline.lib.windows import utc_now

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
# Inbox rows queued in the ledger per transaction: memory stays flat whatever a file holds.
READ_BATCH = 500


REPORTED = (
    "files",
    "files_refused",
    "rows",
    "rejected",
    "replayed",
    "files_still_written",
    "files_changed",
    "queued",
    "duplicates_in_inbox",
    "already_submitted",
    "resubmitted",
    "submitted",
    "rejected_by_vendor",
    "duplicate",
    "in_doubt",
    "not_sent",
    "polled",
    "timed_out",
    "pending",
)


def batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SubmissionRun:
    """One run's submissions and polls for one vendor, holding the vendor's submit lock so
    that a row found `sending` can only be one a dead run left."""

    def __init__(
        self, connect: Connect, lock_path: Path, submitter: Submitter, run_id: str
    ) -> None:
        self.connect = connect
        self.lock = FileLock(str(lock_path))
        self.submitter = submitter
        self.run_id = run_id
        # Reported every run, zero or not, so a run's metadata always reads the same way.
        self.counts: Counter[str] = Counter(dict.fromkeys(REPORTED, 0))
        # One line each for what did not go through and was left for the next run.
        self.problems: list[str] = []

    @property
    def vendor(self) -> str:
        return self.submitter.vendor

    def run(self, inbox: Inbox | None) -> Counter[str]:
        """Submit what is new in the inbox, then poll what is unfinished."""
        with self.lock:
            self._begin()
            self._submit_inbox(inbox)
            self._poll()
        return self.counts

    def submit(self, inbox: Inbox | None) -> Counter[str]:
        with self.lock:
            self._begin()
            self._submit_inbox(inbox)
        return self.counts

    def poll(self) -> Counter[str]:
        with self.lock:
            self._begin()
            self._poll()
        return self.counts

    def _begin(self) -> None:
        with self.connect() as conn:
            ensure_raw_schema(conn, [self.submitter.results] if self.submitter.results else [])
            ledger.ensure_ledger(conn)
            stale = sending.mark_in_doubt(
                conn,
                self.vendor,
                None,
                "the run that sent it stopped before the vendor's answer was recorded",
            )
        self.counts["in_doubt_found"] += stale

    def _submit_inbox(self, inbox: Inbox | None) -> None:
        if inbox is not None:
            self._replay()
            self._read_inbox(inbox)
        self._send()

    # --- the inbox --------------------------------------------------------------------------
    # A row leaves the inbox (its file archived), or its quarantine item is settled, only once
    # the ledger holds it as `unsent`: every later run sends what it holds so.

    def _read_inbox(self, inbox: Inbox) -> None:
        ready, settling = inbox_files(inbox.path, settle_seconds=inbox.settle_seconds)
        for path in settling:
            self.counts["files_still_written"] += 1
            self.problems.append(
                f"{path.name} changed less than {inbox.settle_seconds:g} s ago "
                "(QA_INBOX_SETTLE_SECONDS): taken once its writer has finished"
            )
        for file in ready:
            self.counts["files"] += 1
            self._read_file(file)

    def _read_file(self, file: InboxFile) -> None:
        try:
            check_utf8(file)
        except InboxFileError as exc:
            self.counts["files_refused"] += 1
            with self.connect() as conn, transaction(conn):
                self._quarantine_in(conn, file.path.name, str(exc), "")
            archive(file.path, refused=True)
            return
        rows = read_inbox_file(file)
        while chunk := list(itertools.islice(rows, READ_BATCH)):
            good: list[Submission] = []
            refused: list[tuple[InboxRow, RowRejected]] = []
            for row in chunk:
                self.counts["rows"] += 1
                try:
                    good.append(self._checked(row))
                except RowRejected as exc:
                    refused.append((row, exc))
            with self.connect() as conn, transaction(conn):
                self._queue(conn, good)
                self._refuse(conn, refused)
        if file.changed():
            self.counts["files_changed"] += 1
            self.problems.append(
                f"{file.path.name} changed while it was read: left in the inbox, the next run "
                "takes the rows it adds"
            )
            return
        # Every row of the file is in the ledger or the quarantine now.
        archive(file.path)

    def _checked(self, row: InboxRow) -> Submission:
        """The row as the vendor takes it, or `RowRejected` with the reason; a value a
        vendor's checks cannot read at all is that row's problem alone."""
        if row.error is not None:
            raise RowRejected(row.error)
        try:
            return self.submitter.read_row(row)
        except RowRejected:
            raise
        except (ValueError, TypeError, OSError) as exc:
            raise RowRejected(f"cannot be read: {reason_of(exc)}") from None

    def _queue(self, conn: duckdb.DuckDBPyConnection, submissions: list[Submission]) -> None:
        queued = sending.queue(conn, self.vendor, submissions, self.run_id)
        self.counts["queued"] += queued.queued
        self.counts["duplicates_in_inbox"] += queued.duplicates
        self.counts["already_submitted"] += queued.known

    def _refuse(
        self, conn: duckdb.DuckDBPyConnection, refused: list[tuple[InboxRow, RowRejected]]
    ) -> None:
        self.counts["rejected"] += len(refused)
        for row, exc in refused:
            if exc.key is not None:
                ledger.record_rejected(
                    conn,
                    self.vendor,
                    exc.key,
                    exc.reason,
                    source_file=row.source_file,
                    line=row.line,
                    payload=row.fields,
                    run_id=self.run_id,
                )
            self._quarantine_in(conn, row.where, exc.reason, row.quarantine_body(exc.key))

    def _replay(self) -> None:
        """Open quarantined rows that today's checks (and column mapping) accept: a fix made
        them loadable. Each is queued and its item settled in one transaction; the others stay
        open as they are."""
        with self.connect() as conn:
            items = [
                item
                for item in raw_log.open_items(conn, self.vendor)
                if item["endpoint"] == self.submitter.endpoint and is_quarantined_row(item["body"])
            ]
        for item in items:
            row = InboxRow.from_quarantine_body(item["body"])
            if row.error is not None:
                continue
            try:
                submission = self._checked(row)
            except RowRejected:
                continue
            with self.connect() as conn, transaction(conn):
                self._queue(conn, [submission])
                raw_log.resolve_items(
                    conn,
                    self.vendor,
                    self.submitter.endpoint,
                    item["record_key"],
                    f"accepted on replay by run {self.run_id} as {submission.key}",
                )
            self.counts["replayed"] += 1

    def _quarantine_in(
        self, conn: duckdb.DuckDBPyConnection, key: str, reason: str, body: str
    ) -> None:
        # The same row refused again (read again, polled again): one open item, the latest.
        raw_log.resolve_items(
            conn, self.vendor, self.submitter.endpoint, key, f"refused again by run {self.run_id}"
        )
        raw_log.quarantine(
            conn,
            [
                QuarantineItem(
                    run_id=self.run_id,
                    vendor=self.vendor,
                    endpoint=self.submitter.endpoint,
                    reason=f"{key}: {reason}",
                    body=body,
                    record_key=key,
                )
            ],
        )

    # --- sending ----------------------------------------------------------------------------

    def _send(self) -> None:
        """Send what the ledger holds to send (`unsent`, and `resubmit` asked for), batch by
        batch, each batch's intent committed before its request."""
        with self.connect() as conn:
            waiting = sending.to_send(conn, self.vendor)
        self.counts["resubmitted"] += sum(1 for _, status in waiting if status == "resubmit")
        for keys in batches([key for key, _ in waiting], self.submitter.batch_size):
            with self.connect() as conn, transaction(conn):
                batch = sending.claim(conn, self.vendor, keys, self.run_id)
            if not batch:
                continue
            keys = [s.key for s in batch]
            try:
                updates = self.submitter.submit(batch)
            except MaybeSentError as exc:
                with self.connect() as conn:
                    sending.mark_in_doubt(conn, self.vendor, keys, str(exc))
                self.counts["in_doubt"] += len(batch)
                continue
            except ClientRequestError as exc:
                # The vendor read the request and refused it: nothing was created.
                updates = [Update(key, "rejected", reason=str(exc)) for key in keys]
            except NotSent as exc:
                with self.connect() as conn:
                    sending.release(conn, self.vendor, keys, str(exc))
                self.counts["not_sent"] += len(batch)
                self.problems.append(f"{exc}; it waits, unsent, for the next run")
                continue
            except BaseException as exc:
                # Refused before it was read (credentials, a limit that never cleared): the
                # rows wait, unsent, for the next run.
                with self.connect() as conn:
                    sending.release(conn, self.vendor, keys, reason_of(exc))
                raise
            self.counts["batches"] += 1
            self._apply(updates, submitted=True)

    # --- polling ----------------------------------------------------------------------------

    def _poll(self) -> None:
        in_progress = self.submitter.in_progress
        with self.connect() as conn:
            items = ledger.unfinished(conn, self.vendor, in_progress)
        timeout = self.submitter.result_timeout
        if timeout is not None:
            cutoff = utc_now() - timeout
            overdue = [i for i in items if i.submitted_at and i.submitted_at < cutoff]
            hours = timeout.total_seconds() / 3600
            self._apply(
                [Update(i.key, "failed", reason=ledger.timed_out_reason(hours)) for i in overdue]
            )
            self.counts["timed_out"] += len(overdue)
            items = [i for i in items if i not in overdue]
        if items:
            self.counts["polled"] += len(items)
            updates = list(self.submitter.poll(items))
            self._apply(updates)
            self._report_unknown_words(updates)
        with self.connect() as conn:
            self.counts["pending"] = len(ledger.unfinished(conn, self.vendor, in_progress))

    def _report_unknown_words(self, updates: list[Update]) -> None:
        """Once per word and run: a status the vendor does not document ended the polling."""
        words = Counter(u.status for u in updates)
        for word in sorted(ledger.unknown_words(words, self.submitter.in_progress)):
            self.counts["ended_with_unknown_status"] += words[word]
            self.problems.append(
                f"{words[word]} submissions ended with {word!r}, a status {self.vendor} does "
                "not document: taken as final and kept as received (see `qa-warehouse status`)"
            )

    def _apply(self, updates: list[Update], *, submitted: bool = False) -> None:
        """Record what the vendor said. Counted as `submitted`, `rejected_by_vendor` or
        `duplicate` for the answers to a submission, as `became_<status>` for a change seen by
        polling. A submission the vendor refused is quarantined with its payload; one it
        accepted settles what was quarantined of it before."""
        if not updates:
            return
        answers = [Result(u.key, u.vendor_id, u.body) for u in updates if u.body is not None]
        if answers and self.submitter.results is not None:
            with self.connect() as conn:
                self.counts["results_landed"] += land_results(
                    conn, self.submitter.results, answers, self.run_id
                )
        with self.connect() as conn, transaction(conn):
            for update in updates:
                changed = ledger.apply(conn, self.vendor, update, self.run_id)
                if submitted:
                    refused = {"rejected": "rejected_by_vendor", "duplicate": "duplicate"}
                    self.counts[refused.get(update.status, "submitted")] += 1
                elif changed:
                    self.counts[f"became_{update.status}"] += 1
                if changed and update.status == "rejected":
                    payload = ledger.payload_text(conn, self.vendor, update.key)
                    self._quarantine_in(conn, update.key, update.reason or "rejected", payload)
                elif submitted:
                    self._settle(conn, update.key)

    def _settle(self, conn: duckdb.DuckDBPyConnection, key: str) -> None:
        raw_log.resolve_items(
            conn,
            self.vendor,
            self.submitter.endpoint,
            key,
            f"sent by run {self.run_id}",
            body_key="$.inbox_row.key",
        )
