-- A finished Voxxi analysis with a score is an AI evaluation, whatever word Voxxi ends it
-- with: its documents name no final status (`completed` here; any word that is not work in
-- progress ends the polling, pipeline/voxxi/models.py). Its maximum is the sum of its
-- sections' totals (criteria answered N/A are not in them), so score_pct = 100 x score /
-- maximum.
with totals as (
    select call_id, sum(total_score) as max_score
    from {{ ref('stg_voxxi__sections') }}
    group by call_id
)

select
    'voxxi' as vendor,
    calls.call_id as vendor_evaluation_id,
    calls.call_id as vendor_interaction_id,
    cast(null as varchar) as vendor_agent_id,  -- the interaction's agent
    cast(null as varchar) as evaluator_name,
    'ai' as evaluation_type,
    calls.updated_at as evaluated_at,
    calls.score,
    totals.max_score,
    case
        when calls.score is not null and totals.max_score > 0
            then least(greatest(100.0 * calls.score / totals.max_score, 0), 100)
    end as score_pct,
    false as is_fatal
from {{ ref('int_voxxi__calls') }} as calls
left join totals using (call_id)
where calls.score is not null
    and calls.status not in ('submitted', 'processing', 'pending', 'queued')
