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
    where not {{ held_load_is_current(current_loads) }}
    {%- endif -%}
{%- endmacro %}

{# True when the row `held` belongs to one of `current_loads`. #}
{% macro held_load_is_current(current_loads) -%}
    exists (
        select 1
        from ({{ current_loads }}) as current_loads
        where current_loads.loaded_window_start = held.loaded_window_start
            and current_loads.loaded_run_id = held.loaded_run_id
    )
{%- endmacro %}

{# The current loads this model does not hold yet (of `vendor`'s rows, in a mart of several
   vendors). Models join their input to it on the load key: a join, rather than a filter,
   lets DuckDB skip the row groups of other windows instead of reading every load's JSON. #}
{% macro new_loads(current_loads, vendor=none) -%}
    select current_loads.loaded_window_start, current_loads.loaded_run_id
    from ({{ current_loads }}) as current_loads
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as held
        where held.loaded_window_start = current_loads.loaded_window_start
            and held.loaded_run_id = current_loads.loaded_run_id
            {%- if vendor is not none %}
            and held.vendor = '{{ vendor }}'
            {%- endif %}
    )
    {%- endif %}
{%- endmacro %}

{# The rows of `relation` (an incremental model keyed by load) that belong to the current loads
   this model does not hold yet: what an incremental staging model reads, with the pre-hook
   `delete_superseded_loads(current_loads_of(relation))` beside it. #}
{% macro records_of_new_loads(relation) -%}
    select records.*
    from {{ relation }} as records
    inner join ({{ new_loads(current_loads_of(relation)) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
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

{# A mart fed by several vendors keeps the rows of each incremental vendor (the
   `incremental_vendors` var) per load, as their staging does, and rebuilds the other vendors'
   rows (no load key, small) every time. Each incremental vendor has a model
   `int_<vendor>__loaded_records` (record_id, loaded_window_start, loaded_run_id): the records
   its staging holds now, keyed as the marts key that vendor's rows. #}

{# The enabled vendors whose facts are kept per load. #}
{% macro incremental_vendors() -%}
    {%- set vendors = [] -%}
    {%- for vendor in registry_var('incremental_vendors') -%}
        {%- if vendor in enabled_vendors() -%}{%- do vendors.append(vendor) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(vendors) }}
{%- endmacro %}

{% macro loaded_records(vendor) -%}
    {{ return(ref('int_' ~ vendor ~ '__loaded_records')) }}
{%- endmacro %}

{# A mart reads the loaded records of every incremental vendor only in an incremental build;
   the hints tell dbt of those dependencies whatever the build. #}
{% macro incremental_depends_on() -%}
    {%- for vendor in incremental_vendors() %}
-- depends_on: {{ loaded_records(vendor) }}
    {%- endfor %}
{%- endmacro %}

{# Before the insert, delete:
   - the rows without a load key, and those of a vendor no longer loaded incrementally;
   - for each incremental vendor, its rows of loads no longer current, and every row of a
     record that a load new to this mart carries, wherever it was held: a record re-sent in
     another window, or no longer evaluated, leaves nothing stale.
   The model then selects the rows without a load key and those of the loads it does not hold
   (`rows_to_rebuild`), so an incremental build equals a full one (tested). With no
   incremental vendor enabled every row is rebuilt. `key` is the mart's column that holds the
   vendor's record id. #}
{% macro delete_rows_to_rebuild(key) -%}
    {%- if is_incremental() -%}
    {%- set held_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'loaded_run_id' not in held_columns -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built by a version without load keys: rebuild it once with `dbt build "
            ~ "--full-refresh --select " ~ this.identifier ~ "`") }}
    {%- endif -%}
    {%- set vendors = incremental_vendors() -%}
    delete from {{ this }} as held
    {%- if vendors %}
    where held.loaded_run_id is null
        or held.vendor not in ('{{ vendors | join("', '") }}')
        {%- for vendor in vendors %}
        or (
            held.vendor = '{{ vendor }}'
            and (
                not {{ held_load_is_current(current_loads_of(loaded_records(vendor))) }}
                or held.{{ key }} in (
                    select records.record_id
                    from {{ loaded_records(vendor) }} as records
                    inner join (
                        {{ new_loads(current_loads_of(loaded_records(vendor)), vendor) }}
                    ) as new_loads
                        using (loaded_window_start, loaded_run_id)
                )
            )
        )
        {%- endfor %}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{# The rows of `relation` that `delete_rows_to_rebuild` left to insert: those without a load key
   and those of the loads this mart does not hold. A join rather than an `or exists` filter:
   DuckDB then reads only the new loads' row groups (about 3x faster on a year). #}
{% macro rows_to_rebuild(relation) -%}
    {%- set vendors = incremental_vendors() -%}
    {%- if is_incremental() and vendors -%}
    select * from {{ relation }} as rows
    where rows.loaded_run_id is null
    {%- for vendor in vendors %}
    union all by name
    select rows.*
    from {{ relation }} as rows
    inner join ({{ new_loads(current_loads_of(loaded_records(vendor)), vendor) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
    where rows.vendor = '{{ vendor }}'
    {%- endfor %}
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# The load key columns of a mart fed by `rows_to_rebuild`: NULL throughout when no vendor
   loads incrementally, so the mart keeps its columns. #}
{% macro load_key_columns(relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    {%- if incremental_vendors() -%}
    {{ prefix }}loaded_window_start,
    {{ prefix }}loaded_run_id
    {%- else -%}
    cast(null as timestamp) as loaded_window_start,
    cast(null as varchar) as loaded_run_id
    {%- endif -%}
{%- endmacro %}

{# An incremental mart keeps rows built in earlier runs, but what they were joined to can
   change since: agent matching gives a vendor agent another agent_id when its email or an
   override changes. After each build this post-hook sets `columns` of every held row to what
   `resolved` (one row per `key`, computed from the mart's own lineage columns) says now;
   rows already right are not written. #}
{% macro update_resolved_columns(resolved, key, columns) -%}
    {#- A first build or a full refresh joined every row just now: nothing to bring up to date. -#}
    {%- if is_incremental() -%}
    update {{ this }} as held
    set
    {%- for column in columns %}
        {{ column }} = resolved.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    from ({{ resolved }}) as resolved
    where resolved.{{ key }} = held.{{ key }}
        and (
        {%- for column in columns %}
            held.{{ column }} is distinct from resolved.{{ column }}{{ " or" if not loop.last }}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
