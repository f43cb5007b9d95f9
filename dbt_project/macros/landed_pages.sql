{# The raw pages of a source that belong to a successful load of their window: rows of a run
   that was killed or failed half-way are never read. #}
{% macro landed_pages(source_relation) -%}
    select pages.*
    from {{ source_relation }} as pages
    inner join {{ ref('stg_landing__successful_loads') }} as loads
        on loads.run_id = pages.run_id
        and loads.vendor = pages.vendor
        and loads.endpoint = pages.endpoint
        and loads.window_start = pages.window_start
{%- endmacro %}
