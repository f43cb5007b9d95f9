{# What the links of each row of an incremental fact are now, from its lineage columns: the
   post-hooks of fct_interaction, fct_evaluation and fct_audit (`update_resolved_columns`)
   compare them with what the row holds. Each mirrors how its model joins a new row. Agents
   come from `bridge_agent_vendor`, a table built once per run from the matching view, which
   would otherwise be computed over all history once per model and once per hook. #}

{% macro resolved_interaction_agents() -%}
    select facts.interaction_id, agents.agent_id
    from {{ this }} as facts
    left join {{ ref('bridge_agent_vendor') }} as agents
        on agents.vendor = facts.vendor
        and agents.vendor_agent_id = facts.vendor_agent_id
{%- endmacro %}

{% macro resolved_evaluation_links() -%}
    select
        facts.evaluation_id,
        interactions.interaction_id,
        coalesce(agents.agent_id, interactions.agent_id) as agent_id
    from {{ this }} as facts
    left join {{ ref('fct_interaction') }} as interactions
        on interactions.vendor = facts.vendor
        and interactions.vendor_interaction_id = facts.vendor_interaction_id
    left join {{ ref('bridge_agent_vendor') }} as agents
        on agents.vendor = facts.vendor
        and agents.vendor_agent_id = facts.vendor_agent_id
{%- endmacro %}

{% macro resolved_audit_links() -%}
    select facts.audit_id, interactions.interaction_id, interactions.agent_id
    from {{ this }} as facts
    left join {{ ref('fct_interaction') }} as interactions
        on interactions.vendor = facts.vendor
        and interactions.vendor_interaction_id = facts.vendor_interaction_id
{%- endmacro %}
