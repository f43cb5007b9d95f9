-- What a vendor reported of a conversation beyond scores: one row per interaction and
-- vendor that reports insights (ExoVoiceAnalyze's summary, sentiment, category and
-- transcript; Kore's sentiment; Voxxi's summary).
with insights as (
    select * from {{ ref('int_insights__unioned') }}
)

select
    {{ surrogate_key(['vendor', 'vendor_interaction_id']) }} as interaction_id,
    vendor,
    vendor_interaction_id,
    summary,
    summary_confidence,
    sentiment,
    sentiment_confidence,
    category,
    category_confidence,
    transcript,
    reported_at
from insights
