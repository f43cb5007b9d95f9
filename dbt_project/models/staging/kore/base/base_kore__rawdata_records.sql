-- One row per conversation record of a successful load, still as Kore's JSON.
-- Incremental: each build reads only the pages of loads it has not seen. A conversation re-sent
-- (on a later page, or in a window pulled later) keeps its latest copy: delete+insert on the
-- conversation id replaces an older copy held from another load.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        on_schema_change='fail',
        pre_hook="{{ delete_superseded_loads(current_raw_loads(source('kore', 'rawdata'))) }}",
    )
}}

with pages as (
    select
        window_start as loaded_window_start,
        run_id as loaded_run_id,
        extracted_at,
        page_number,
        payload
    from ({{ landed_pages(source('kore', 'rawdata')) }}) as landed
),

records as (
    select
        loaded_window_start,
        loaded_run_id,
        extracted_at,
        page_number,
        unnest(json_extract(payload, '$.results[*]')) as record
    from pages
    where {{ only_new_loads('pages') }}
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
