-- The conversations Kore's staging holds now, with the load each came from: the marts keep
-- Kore's rows per load (macros/incremental_loads.sql), keyed by the conversation id.
select
    conversation_id as record_id,
    loaded_window_start,
    loaded_run_id
from {{ ref('stg_kore__conversations') }}
