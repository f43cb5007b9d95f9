-- One version of one KPI score, oldest first (snap_kpi_scores; vendors in
-- `revisable_vendors`): the answer and score before a review changed them, and when.
with versions as (
    select
        *,
        row_number() over (
            partition by vendor, vendor_evaluation_id, kpi_key order by dbt_valid_from
        ) as version
    from {{ ref('snap_kpi_scores') }}
)

select
    {{ surrogate_key(['vendor', 'vendor_evaluation_id', 'kpi_key']) }} as kpi_score_id,
    {{ surrogate_key(['vendor', 'vendor_evaluation_id']) }} as evaluation_id,
    vendor,
    vendor_evaluation_id,
    kpi_key as vendor_kpi_key,
    kpi_name,
    version,
    answer,
    score,
    max_score,
    score_pct,
    is_failed,
    lag(answer) over previous as previous_answer,
    lag(score) over previous as previous_score,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current
from versions
window previous as (partition by vendor, vendor_evaluation_id, kpi_key order by version)
