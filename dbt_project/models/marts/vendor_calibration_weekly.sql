-- One vendor and week: how its AI scored against the people who reviewed the same
-- conversations, every agent together (formulas: macros/calibration.sql).
with scores as (
    select vendor, week_start, {{ score_difference_counts() }}
    from {{ ref('fct_score_calibration') }}
    group by all
),

answers as (
    select vendor, week_start, {{ answer_agreement_counts() }}
    from {{ ref('fct_kpi_calibration') }}
    group by all
),

counts as (
    select
        vendor,
        week_start,
        coalesce(scores.score_pairs, 0) as score_pairs,
        coalesce(scores.difference_sum, 0) as difference_sum,
        coalesce(scores.absolute_difference_sum, 0) as absolute_difference_sum,
        coalesce(scores.within_tolerance_pairs, 0) as within_tolerance_pairs,
        coalesce(answers.pass_fail_pairs, 0) as pass_fail_pairs,
        coalesce(answers.pass_fail_agreements, 0) as pass_fail_agreements,
        coalesce(answers.ai_passes, 0) as ai_passes,
        coalesce(answers.human_passes, 0) as human_passes
    from scores
    full outer join answers using (vendor, week_start)
),

measured as (
    select *, {{ score_difference_measures() }}, {{ answer_agreement_measures() }}
    from counts
)

select
    *,
    {{ change_since_last_week('mean_difference', ['vendor']) }} as mean_difference_change,
    {{ change_since_last_week('agreement_pct', ['vendor']) }} as agreement_pct_change
from measured
