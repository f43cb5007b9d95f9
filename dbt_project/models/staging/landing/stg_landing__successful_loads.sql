-- The runs whose window landed completely. Staging reads raw rows of these runs only, so a run
-- killed half-way never shows up in the marts.
with source as (
    select * from {{ source('landing', 'load_log') }}
),

final as (
    select
        run_id,
        vendor,
        endpoint,
        window_start,
        window_end,
        finished_at
    from source
    where status = 'success'
)

select * from final
