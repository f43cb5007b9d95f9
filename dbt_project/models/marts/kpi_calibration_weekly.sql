-- One vendor, KPI and week: the AI's answers to the KPI against the people's (formulas:
-- macros/calibration.sql), its score differences on the KPI's own percentage.
with counts as (
    select
        vendor,
        kpi_key,
        any_value(kpi_name) as kpi_name,
        any_value(category_name) as category_name,
        week_start,
        {{ score_difference_counts() }},
        {{ answer_agreement_counts() }}
    from {{ ref('fct_kpi_calibration') }}
    group by vendor, kpi_key, week_start
),

measured as (
    select *, {{ score_difference_measures() }}, {{ answer_agreement_measures() }}
    from counts
)

select
    *,
    {{ change_since_last_week('mean_difference', ['vendor', 'kpi_key']) }}
        as mean_difference_change,
    {{ change_since_last_week('agreement_pct', ['vendor', 'kpi_key']) }}
        as agreement_pct_change
from measured
