"""Agents who leave keep their interactions: for every vendor that lists its agents, a person
the listing showed in one run and no longer shows in the next keeps their name, e-mail and
links to other vendors, and every interaction of theirs keeps its agent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qa_sandbox.roster import ROSTER

from pipeline.vendors import VENDORS
from tests.conftest import DAY, Warehouse, only_vendor

LISTING = [vendor for vendor in VENDORS if vendor.lists_agents]


def _their_interactions(warehouse: Warehouse, vendor: str, vendor_agent_id: str) -> list[tuple]:
    return warehouse.query(
        "select vendor_interaction_id, agent_id from marts.fct_interaction "
        "where vendor = ? and vendor_agent_id = ? order by 1",
        [vendor, vendor_agent_id],
    )


@pytest.mark.parametrize("vendor", LISTING, ids=[v.name for v in LISTING])
def test_an_agent_who_leaves_keeps_name_email_and_interactions(
    vendor, sandbox, warehouse: Warehouse, monkeypatch, tmp_path
) -> None:
    only_vendor(vendor.settings.env_prefix, monkeypatch, warehouse)
    simulator = sandbox.simulators[vendor.name]
    # A vendor we submit calls to has them from its inbox: the demo's, for both days.
    inbox = getattr(simulator, "demo_inbox", None)
    if inbox is not None:
        for name, value in inbox(tmp_path / "inbox", [DAY, DAY + timedelta(days=1)]).items():
            monkeypatch.setenv(name, value)
    assert warehouse.run(DAY, vendors=[vendor.name]) == []

    # Someone the listing shows now, with an e-mail and interactions in this vendor.
    candidates = warehouse.query(
        "select b.vendor_agent_id, b.agent_id, b.vendor_display_name, b.vendor_email "
        "from marts.bridge_agent_vendor as b "
        "where b.vendor = ? and b.vendor_email is not null and b.vendor_display_name is not null "
        "and exists (select 1 from marts.fct_interaction as i "
        "  where i.vendor = b.vendor and i.vendor_agent_id = b.vendor_agent_id) "
        "order by b.vendor_email",
        [vendor.name],
    )
    assert candidates, "nobody listed has interactions"
    vendor_agent_id, agent_id, name, email = candidates[0]
    person = next(p for p in ROSTER if p.email and p.email.lower() == email)
    before = _their_interactions(warehouse, vendor.name, vendor_agent_id)
    assert before and all(agent == agent_id for _, agent in before)

    simulator.departed.add(person.key)
    assert warehouse.run(DAY + timedelta(days=1), vendors=[vendor.name]) == []

    listed_now = warehouse.query(
        f"select vendor_agent_id from intermediate.int_{vendor.name}__agent_listing"
    )
    assert (vendor_agent_id,) not in listed_now and listed_now, "the listing still shows them"
    assert warehouse.query(
        "select agent_id, vendor_display_name, vendor_email from marts.bridge_agent_vendor "
        "where vendor = ? and vendor_agent_id = ?",
        [vendor.name, vendor_agent_id],
    ) == [(agent_id, name, email)]
    assert warehouse.query(
        "select email, is_active from marts.dim_agent where agent_id = ?", [agent_id]
    ) == [(email, False)]
    after = _their_interactions(warehouse, vendor.name, vendor_agent_id)
    assert set(before) <= set(after) and all(agent == agent_id for _, agent in after)
    assert not warehouse.query(
        "select 1 from marts.fct_interaction where vendor_agent_id is not null and agent_id is null"
    )
