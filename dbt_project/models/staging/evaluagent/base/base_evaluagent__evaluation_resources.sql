-- Every JSON:API resource of the evaluations list pages of successful loads: the evaluations
-- (`data`) and the contacts included beside them (`included`).
with pages as (
    {{ landed_pages(source('evaluagent', 'evaluations')) }}
)

select extracted_at, 'data' as part, unnest(json_extract(payload, '$.data[*]')) as resource
from pages
union all
select extracted_at, 'included' as part, unnest(json_extract(payload, '$.included[*]')) as resource
from pages
