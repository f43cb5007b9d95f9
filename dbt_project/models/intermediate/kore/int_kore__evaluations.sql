-- Kore's AutoQA run of a conversation: an AI evaluation. Below-threshold and
-- duration-unavailable contacts were never evaluated, so they have none. The score stays NULL
-- when Kore reports "NA". Kore scores run from -100 to 100; score_pct clamps to 0..100.
select
    'kore' as vendor,
    conversation_id as vendor_evaluation_id,
    conversation_id as vendor_interaction_id,
    cast(null as varchar) as vendor_agent_id,  -- the interaction's agent
    cast(null as varchar) as evaluator_name,
    'ai' as evaluation_type,
    coalesce(ended_at, started_at) as evaluated_at,
    autoqa_score as score,
    cast(100 as double) as max_score,
    -- DuckDB's greatest() skips NULLs, so guard it: "NA" must stay NULL, not become 0.
    case when autoqa_score is not null then least(greatest(autoqa_score, 0), 100) end as score_pct,
    coalesce(fatal_error_count, 0) > 0 as is_fatal,
    loaded_window_start,
    loaded_run_id
from {{ ref('int_kore__conversations') }}
where is_evaluated
