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

{{ calibration_measures_by(['vendor', 'kpi_key']) }}
