{# Staging parses each load's JSON once. Its incremental models keep the rows of the loads that
   are current upstream and nothing else, whatever order the windows were loaded or re-loaded in:

   - before the insert, `delete_superseded_loads` removes the rows of every load that is no
     longer current upstream (its window was pulled again, or emptied);
   - the model's select reads only the loads it does not hold yet (`new_loads`).

   A load is identified by (loaded_window_start, loaded_run_id). A full refresh rebuilds the same
   rows from scratch, which `dbt build --full-refresh` does after a model's SQL changes. #}

{% macro delete_superseded_loads(current_loads) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as held
    where not exists (
        select 1
        from ({{ current_loads }}) as current_loads
        where current_loads.loaded_window_start = held.loaded_window_start
            and current_loads.loaded_run_id = held.loaded_run_id
    )
    {%- endif -%}
{%- endmacro %}

{# The current loads this model does not hold yet. Models join their input to it on the load
   key: a join, rather than a filter, lets DuckDB skip the row groups of other windows instead
   of reading every load's JSON. #}
{% macro new_loads(current_loads) -%}
    select current_loads.loaded_window_start, current_loads.loaded_run_id
    from ({{ current_loads }}) as current_loads
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as held
        where held.loaded_window_start = current_loads.loaded_window_start
            and held.loaded_run_id = current_loads.loaded_run_id
    )
    {%- endif %}
{%- endmacro %}

{# The loads of a raw source that landed completely, as the load keys staging carries. #}
{% macro current_raw_loads(source_relation) -%}
    select distinct
        pages.window_start as loaded_window_start,
        pages.run_id as loaded_run_id
    from ({{ landed_pages(source_relation) }}) as pages
{%- endmacro %}

{# The loads an upstream staging model holds now. #}
{% macro current_loads_of(relation) -%}
    select distinct loaded_window_start, loaded_run_id from {{ relation }}
{%- endmacro %}
