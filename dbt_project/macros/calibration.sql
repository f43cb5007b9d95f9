{# The measures of AI against human scores. Each model keeps the counts and sums behind its
   measures (additive, so any roll-up of weeks, agents or vendors is exact: add the counts,
   then divide), and the measures themselves:

   - score_difference = AI score_pct - human score_pct, in percentage points: positive when
     the AI scores higher than people;
   - mean_difference (bias) = difference_sum / score_pairs;
   - mean_absolute_difference = absolute_difference_sum / score_pairs;
   - within_tolerance_pct = 100 x within_tolerance_pairs / score_pairs, where a pair is
     within tolerance when |difference| <= var('calibration_tolerance_points');
   - for pass/fail KPIs (both answers yes or no), with n pairs, A agreements, a AI passes and
     h human passes: agreement_pct = 100 x A / n, and Cohen's kappa = (p_o - p_e) / (1 - p_e)
     with p_o = A / n and p_e = (a h + (n - a)(n - h)) / n^2, computed exactly as
     (n A - E) / (n^2 - E) with E = a h + (n - a)(n - h). Kappa is NULL when p_e = 1 (both
     raters gave one answer only: chance explains all agreement, and kappa is undefined). #}

{% macro score_difference_counts(difference='score_difference') -%}
    count({{ difference }}) as score_pairs,
    sum(cast({{ difference }} as decimal(18, 6))) as difference_sum,
    sum(cast(abs({{ difference }}) as decimal(18, 6))) as absolute_difference_sum,
    count(*) filter (
        where abs({{ difference }}) <= {{ var('calibration_tolerance_points') }}
    ) as within_tolerance_pairs
{%- endmacro %}

{% macro answer_agreement_counts() -%}
    count(*) filter (where is_pass_fail) as pass_fail_pairs,
    count(*) filter (where is_pass_fail and ai_answer = human_answer) as pass_fail_agreements,
    count(*) filter (where is_pass_fail and ai_answer = 'yes') as ai_passes,
    count(*) filter (where is_pass_fail and human_answer = 'yes') as human_passes
{%- endmacro %}

{% macro score_difference_measures() -%}
    cast(round(difference_sum / nullif(score_pairs, 0), 4) as double) as mean_difference,
    cast(round(absolute_difference_sum / nullif(score_pairs, 0), 4) as double)
        as mean_absolute_difference,
    round(100.0 * within_tolerance_pairs / nullif(score_pairs, 0), 2) as within_tolerance_pct
{%- endmacro %}

{% macro chance_agreement(n='pass_fail_pairs', a='ai_passes', h='human_passes') -%}
    ({{ a }} * {{ h }} + ({{ n }} - {{ a }}) * ({{ n }} - {{ h }}))
{%- endmacro %}

{% macro answer_agreement_measures() -%}
    round(100.0 * pass_fail_agreements / nullif(pass_fail_pairs, 0), 2) as agreement_pct,
    case
        when pass_fail_pairs > 0
            and {{ chance_agreement() }} < pass_fail_pairs * pass_fail_pairs
            then round(
                (pass_fail_pairs * pass_fail_agreements - {{ chance_agreement() }})::double
                / (pass_fail_pairs * pass_fail_pairs - {{ chance_agreement() }}),
                4
            )
    end as cohens_kappa
{%- endmacro %}

{# How a measure moved since the grain's previous week with pairs (drift). #}
{% macro change_since_last_week(measure, grain) -%}
    round({{ measure }} - lag({{ measure }}) over (
        partition by {{ grain | join(', ') }} order by week_start
    ), 4)
{%- endmacro %}

{# The counts of a weekly calibration mart at `grain` (plus week_start): the score pairs'
   and the pass/fail answers' counts side by side, a side with no pairs counted as 0. The
   CTEs `scores`, `answers` and `counts`, for a `with`. #}
{% macro calibration_counts_by(grain, where='true') -%}
scores as (
    select {{ grain | join(', ') }}, week_start, {{ score_difference_counts() }}
    from {{ ref('fct_score_calibration') }}
    where {{ where }}
    group by all
),

answers as (
    select {{ grain | join(', ') }}, week_start, {{ answer_agreement_counts() }}
    from {{ ref('fct_kpi_calibration') }}
    where {{ where }}
    group by all
),

counts as (
    select
        {{ grain | join(', ') }},
        week_start,
        {%- for column in ['score_pairs', 'difference_sum', 'absolute_difference_sum',
                           'within_tolerance_pairs'] %}
        coalesce(scores.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        {%- for column in ['pass_fail_pairs', 'pass_fail_agreements', 'ai_passes',
                           'human_passes'] %}
        coalesce(answers.{{ column }}, 0) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from scores
    full outer join answers using ({{ grain | join(', ') }}, week_start)
)
{%- endmacro %}

{# The end of every weekly calibration mart: the measures from a `counts` CTE, and how the
   bias and the agreement moved since the grain's previous week. #}
{% macro calibration_measures_by(grain) -%}
measured as (
    select *, {{ score_difference_measures() }}, {{ answer_agreement_measures() }}
    from counts
)

select
    *,
    {{ change_since_last_week('mean_difference', grain) }} as mean_difference_change,
    {{ change_since_last_week('agreement_pct', grain) }} as agreement_pct_change
from measured
{%- endmacro %}

{# The week a pair counts in: its conversation's, so drift follows what the AI was scoring
   then (`fallback` when the conversation is not known). #}
{% macro conversation_week(fallback) -%}
    cast(date_trunc('week', coalesce(interactions.started_at, {{ fallback }})) as date)
{%- endmacro %}

{# The pairs of a calibration fact with their interaction, if it landed. #}
{% macro pairs_with_their_interactions() -%}
from pairs
left join interactions
    on interactions.interaction_id
        = {{ surrogate_key(['pairs.vendor', 'pairs.vendor_interaction_id']) }}
{%- endmacro %}
