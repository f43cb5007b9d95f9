-- One version of one evaluation, oldest first: what a score was before, and when it changed.
-- Versions come from snap_evaluation_scores (vendors in `revisable_vendors`); `valid_from` is
-- when the warehouse first saw a version, so a change is dated by the run that found it.
with versions as (
    select
        *,
        row_number() over (
            partition by vendor, vendor_evaluation_id order by dbt_valid_from
        ) as version
    from {{ ref('snap_evaluation_scores') }}
)

select
    {{ surrogate_key(['vendor', 'vendor_evaluation_id']) }} as evaluation_id,
    vendor,
    vendor_evaluation_id,
    version,
    evaluation_type,
    evaluator_name,
    score,
    max_score,
    score_pct,
    is_fatal,
    lag(score) over previous as previous_score,
    lag(score_pct) over previous as previous_score_pct,
    lag(evaluation_type) over previous as previous_evaluation_type,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from versions
window previous as (partition by vendor, vendor_evaluation_id order by version)
