-- One row per conversation record of a successful load, still as Kore's JSON.
-- A conversation re-sent on a later page (the server's list shifted while paging) keeps its
-- latest copy.
with pages as (
    {{ landed_pages(source('kore', 'rawdata')) }}
),

records as (
    select
        window_start,
        extracted_at,
        page_number,
        run_id,
        unnest(json_extract(payload, '$.results[*]')) as record
    from pages
),

identified as (
    select
        {{ json_text('record', ['conversationId', 'Conversation ID', 'conversation_id']) }}
            as conversation_id,
        *
    from records
)

select *
from identified
where conversation_id is not null
qualify row_number() over (
    partition by conversation_id order by extracted_at desc, page_number desc
) = 1
