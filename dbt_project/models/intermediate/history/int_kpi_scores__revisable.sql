-- The KPI scores of vendors that revise them after the fact (var `revisable_vendors`): what the
-- snapshot of KPI scores watches.
select *
from {{ ref('int_kpi_scores__unioned') }}
where vendor in ('{{ registry_var("revisable_vendors") | join("', '") }}')
