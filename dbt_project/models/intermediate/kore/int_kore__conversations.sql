-- Kore conversations with a start time for every one: a record without one (Kore's own
-- documented sample has none) is dated by the window it was pulled for, since Kore filters
-- rawdata by start time; `started_at_source` says which it is.
select
    * replace (coalesce(started_at, loaded_window_start) as started_at),
    case when started_at is null then 'window' else 'vendor' end as started_at_source
from {{ ref('stg_kore__conversations') }}
