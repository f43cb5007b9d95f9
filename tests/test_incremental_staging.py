"""Staging parses each load once (incremental models). After windows are pulled again with
changed, moved and vanished conversations, the incrementally built marts must equal a build
from scratch (`dbt build --full-refresh`) of the same raw data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
from qa_sandbox.kore import render
from qa_sandbox.kore_bulk import BulkDay

from tests.conftest import DAY, Warehouse

MARTS = ("fct_interaction", "fct_evaluation", "fct_kpi_score", "fct_audit", "dim_agent")
DAYS = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]


def _marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {m: sorted(warehouse.query(f"select * from marts.{m}"), key=repr) for m in MARTS}


def _kore_interactions(warehouse: Warehouse) -> dict[str, str]:
    """Kore interaction id -> its start day."""
    return dict(
        warehouse.query(
            "select vendor_interaction_id, interactions.started_at::date::varchar "
            "from marts.fct_interaction as interactions where vendor = 'kore'"
        )
    )


def _rename_agents(record: dict) -> str:
    """Give every agent of a rendered Kore record a new email (the same for the same agent
    in every record); return the first one's id."""
    for agent in record["Agents"]:
        agent_id = next(value for key, value in agent.items() if key.lower().endswith("id"))
        for key in agent:
            if key.lower().endswith("email"):
                agent[key] = f"renamed.{agent_id}@example.com"
    return next(value for key, value in record["Agents"][0].items() if key.lower().endswith("id"))


def _agent_ids_of(warehouse: Warehouse, vendor_agent_id: str) -> set[str]:
    """The agent ids that Kore interaction, evaluation and audit rows of one vendor agent hold."""
    return {
        agent
        for (agent,) in warehouse.query(
            """
            select agent_id from marts.fct_interaction where vendor_agent_id = ?
            union
            select evaluations.agent_id
            from marts.fct_evaluation as evaluations
            inner join marts.fct_interaction as interactions using (interaction_id)
            where interactions.vendor_agent_id = ?
            union
            select audits.agent_id
            from marts.fct_audit as audits
            inner join marts.fct_interaction as interactions using (interaction_id)
            where interactions.vendor_agent_id = ?
            """,
            [vendor_agent_id] * 3,
        )
    }


def test_incremental_marts_equal_a_full_refresh_after_windows_change(
    kore_only: Warehouse, sandbox, tmp_path: Path
) -> None:
    warehouse = kore_only
    assert warehouse.run(DAYS[0], DAYS[-1]) == []
    before = _kore_interactions(warehouse)
    assert {day for day in before.values()} == {d.isoformat() for d in DAYS}

    # The vendor's data changes: fewer conversations every day, the last day empty, one
    # conversation of the second day re-sent in the first day's window as well, and one of the
    # last day re-sent in the second day's window, no longer evaluated there. The last day's
    # window keeps its load (the new pull finds it empty and is refused), so only the newer
    # copy can tell the mart that that conversation's KPI rows must go.
    flipped = render(sandbox.kore.conversations(DAYS[2], include_below_threshold=False)[0])
    flipped_id = flipped.get("conversationId") or flipped.get("Conversation ID")
    flipped["duration_status"] = "below_threshold"
    sandbox.kore.per_day = 25
    sandbox.kore.bulk_days[DAYS[2]] = BulkDay(DAYS[2], 0)
    moved = render(sandbox.kore.conversations(DAYS[1], include_below_threshold=False)[0])
    moved_id = moved.get("conversationId") or moved.get("Conversation ID")
    assert moved_id in before
    # The latest conversation of all but `flipped`, re-sent with its agents' emails changed
    # (and `flipped`'s, which may be later): agent matching then gives those agents new ids,
    # and the rows the marts hold from the last day's kept load, not rebuilt, must follow.
    renamed = render(
        max(
            (
                conversation
                for conversation in sandbox.kore.conversations(
                    DAYS[2], include_below_threshold=False
                )
                if conversation.conversation_id != flipped_id
            ),
            key=lambda conversation: conversation.start,
        )
    )
    renamed_id = renamed.get("conversationId") or renamed.get("Conversation ID")
    renamed_agent = _rename_agents(renamed)
    _rename_agents(flipped)
    agent_before = _agent_ids_of(warehouse, renamed_agent)
    assert len(agent_before) == 1
    sandbox.kore.extra_records[DAYS[0]] = [moved]
    sandbox.kore.extra_records[DAYS[1]] = [flipped, renamed]
    kpis_of_flipped = "select count(*) from marts.fct_kpi_score where vendor_evaluation_id = ?"
    assert warehouse.scalar(kpis_of_flipped, [flipped_id]) > 0
    failures = warehouse.run(DAYS[0], DAYS[-1])
    # A window that went empty is refused by its blocking check and keeps its last good load;
    # the marts are still rebuilt.
    assert [(f.vendor, f.day) for f in failures] == [("kore", DAYS[2].isoformat())]
    assert "window_not_emptied" in failures[0].reason

    incremental = _marts(warehouse)
    after = _kore_interactions(warehouse)
    per_day = {day: list(after.values()).count(day) for day in set(after.values())}
    assert per_day[DAYS[2].isoformat()] == list(before.values()).count(DAYS[2].isoformat())
    assert per_day[DAYS[0].isoformat()] < list(before.values()).count(DAYS[0].isoformat())
    assert moved_id in after
    # Staging kept one copy per conversation: the one landed last.
    assert (
        warehouse.scalar(
            "select count(*) from staging.stg_kore__conversations where conversation_id = ?",
            [moved_id],
        )
        == 1
    )

    assert warehouse.scalar(kpis_of_flipped, [flipped_id]) == 0
    agent_after = _agent_ids_of(warehouse, renamed_agent)
    assert len(agent_after) == 1 and agent_after != agent_before
    # Among them rows held from the first run: the last day's other conversations.
    held = warehouse.scalar(
        "select count(*) from marts.fct_interaction where vendor_agent_id = ? "
        "and started_at::date = ? and vendor_interaction_id <> ? and agent_id = ?",
        [renamed_agent, DAYS[2], renamed_id, agent_after.pop()],
    )
    assert held > 0

    rebuilt = warehouse.dbt_build(tmp_path / "target", "--full-refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert _marts(warehouse) == incremental


def test_a_mart_built_before_it_kept_load_keys_asks_for_a_full_refresh(
    kore_only: Warehouse, tmp_path: Path
) -> None:
    warehouse = kore_only
    assert warehouse.run(DAYS[0]) == []
    with duckdb.connect(str(warehouse.path)) as conn:
        conn.execute("alter table marts.fct_kpi_score drop column loaded_run_id")
    build = warehouse.dbt_build(tmp_path / "target")
    assert build.returncode != 0
    assert "--full-refresh --select fct_kpi_score" in build.stdout
    # What the message advises is enough.
    advised = warehouse.dbt_build(
        tmp_path / "target", "--full-refresh", "--select", "fct_kpi_score"
    )
    assert advised.returncode == 0, advised.stdout[-3000:]
    assert warehouse.scalar("select count(loaded_run_id) from marts.fct_kpi_score") > 0
