-- The latest answer Voxxi gave about each submitted call: the analysis (or its absence, while
-- in progress) that every Voxxi staging model reads. Earlier answers stay in the raw table.
select *
from {{ source('voxxi', 'call_analyses') }}
qualify row_number() over (partition by submission_key order by extracted_at desc) = 1
