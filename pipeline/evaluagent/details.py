"""Which evaluation details to fetch: only ids that are new or whose `updated_at` moved.

Detail calls count against EvaluAgent's 10,000-a-day limit per endpoint. The evaluations list
(already landed for the window) says what exists and when it last changed; the details landed
before say what we already have. Unchanged details are carried forward into the new load of
the window without a request, so a re-run still yields the complete window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb

from pipeline.evaluagent.client import EvaluAgentClient
from pipeline.lib.http import ClientRequestError, InvalidBodyHook
from pipeline.lib.pull.pages import Page
from pipeline.lib.raw_schema import Endpoint, ensure_raw_schema, landed_values, successful_rows
from pipeline.lib.spool import WindowSpool
from pipeline.lib.windows import Window


@dataclass
class DetailPlan:
    to_fetch: list[str] = field(default_factory=list)
    carry_ids: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.carry_ids)


def plan_details(
    conn: duckdb.DuckDBPyConnection, listing: Endpoint, details: Endpoint, window: Window
) -> DetailPlan:
    ensure_raw_schema(conn, [listing, details])
    latest: dict[str, str | None] = {}
    for evaluation_id, updated_at in landed_values(
        conn, listing, window, "$.data[*]", ["$.id", "$.attributes.updated_at"]
    ):
        if evaluation_id is not None:
            latest[evaluation_id] = max(
                filter(None, (latest.get(evaluation_id), updated_at)), default=None
            )
    listed = sorted(latest.items())
    have = dict(
        conn.execute(
            f"""
            select id, updated_at from ({_latest_details(details)})
            """
        ).fetchall()
    )
    plan = DetailPlan()
    for evaluation_id, updated_at in listed:
        if evaluation_id in have and have[evaluation_id] == updated_at:
            plan.carry_ids.append(evaluation_id)
        else:
            plan.to_fetch.append(evaluation_id)
    return plan


def _latest_details(details: Endpoint) -> str:
    """The newest successfully landed detail of every evaluation id, with its rowid."""
    return f"""
        select pages.rowid as row_id, pages.payload ->> '$.data.id' as id,
               pages.payload ->> '$.data.attributes.updated_at' as updated_at
        from {successful_rows(details.table)}
        where id is not null
        qualify row_number() over (partition by id order by pages.extracted_at desc) = 1
    """


def carry_forward(plan: DetailPlan, details: Endpoint) -> Callable[[WindowSpool], None]:
    def before(load: WindowSpool) -> None:
        if plan.carry_ids:
            # Selected again by id when the load commits: rowids are only stable inside one
            # transaction, and the plan was made in an earlier one.
            load.carry_forward(
                f"select row_id from ({_latest_details(details)}) "
                "where id in (select unnest(?::varchar[]))",
                [plan.carry_ids],
                records=plan.skipped,
            )

    return before


def detail_pages(
    client: EvaluAgentClient, plan: DetailPlan, on_invalid_body: InvalidBodyHook
) -> Iterator[Page]:
    for number, evaluation_id in enumerate(plan.to_fetch, start=1):
        try:
            yield client.evaluation_detail(evaluation_id, number, on_invalid_body)
        except ClientRequestError as exc:
            if exc.status != 404:
                raise
            # Listed but gone (deleted between the two calls): kept, with the reason.
            on_invalid_body(f"evaluation {evaluation_id}", str(exc), "listed but not found (404)")
