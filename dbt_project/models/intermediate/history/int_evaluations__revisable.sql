-- The evaluations of vendors that revise them after the fact (var `revisable_vendors`): what
-- the snapshot of evaluation scores watches.
select *
from {{ ref('int_evaluations__unioned') }}
where vendor in ('{{ registry_var("revisable_vendors") | join("', '") }}')
