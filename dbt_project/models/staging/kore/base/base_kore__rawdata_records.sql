-- One row per conversation record of a successful load, still as Kore's JSON.
-- Raw rows are already one per record (the landing splits pages into their records' bytes).
-- Incremental: each build reads only the records of loads it has not seen. A conversation re-sent
-- (on a later page, or in a window pulled later) keeps its latest copy: delete+insert on the
-- conversation id replaces an older copy held from another load.
-- The records' JSON is stored with ZSTD, chosen rather than analysed, as the raw landing stores
-- it: DuckDB's per-segment analysis of 2.5 KB strings (it picks DICT_FSST) took half of this
-- model's build, and ZSTD packs the JSON tighter. The setting lasts for this model only.
{{ config(
    pre_hook=[
        "set force_compression = 'zstd'",
        "{{ delete_superseded_loads(current_raw_loads(source('kore', 'rawdata'))) }}",
    ],
    post_hook="reset force_compression",
) }}

with new_loads as (
    {{ new_loads(current_raw_loads(source('kore', 'rawdata'))) }}
),

records as (
    select
        new_loads.loaded_window_start,
        new_loads.loaded_run_id,
        raw_records.extracted_at,
        raw_records.page_number,
        raw_records.payload as record
    from {{ source('kore', 'rawdata') }} as raw_records
    inner join new_loads
        on raw_records.window_start = new_loads.loaded_window_start
        and raw_records.run_id = new_loads.loaded_run_id
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
