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

{# A mart fed by Kore's incremental staging and by other vendors' views keeps Kore's rows per
   load, as staging does, and rebuilds the other vendors' rows (no load key, small) every time.
   Before the insert it deletes:
   - the rows without a load key, and those of loads no longer current in `conversations`;
   - every row of a conversation that a load new to this mart carries, wherever it was held:
     a conversation re-sent in another window, or no longer evaluated, leaves nothing stale.
   The model then selects the rows without a load key and those of the loads it does not hold
   (`rows_to_rebuild`), so an incremental build equals a full one (tested). With the vendor
   switched off (`conversations` none) every row is rebuilt. `key` is the mart's column that
   holds the vendor's conversation id. #}
{% macro delete_rows_to_rebuild(conversations, vendor, key='vendor_evaluation_id') -%}
    {%- if is_incremental() -%}
    {%- set held_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'loaded_run_id' not in held_columns -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built by a version without load keys: rebuild it once with `dbt build "
            ~ "--full-refresh --select " ~ this.identifier ~ "`") }}
    {%- endif -%}
    delete from {{ this }} as held
    {%- if conversations is not none %}
    where held.loaded_run_id is null
        or not {{ held_load_is_current(current_loads_of(conversations)) }}
        or (
            held.vendor = '{{ vendor }}'
            and held.{{ key }} in (
                select conversations.conversation_id
                from {{ conversations }} as conversations
                inner join ({{ new_loads(current_loads_of(conversations)) }}) as new_loads
                    using (loaded_window_start, loaded_run_id)
            )
        )
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{# The rows of `relation` that `delete_rows_to_rebuild` left to insert: those without a load key
   and those of the loads this mart does not hold. A join rather than an `or exists` filter:
   DuckDB then reads only the new loads' row groups (about 3x faster on a year). #}
{% macro rows_to_rebuild(relation, conversations) -%}
    {%- if is_incremental() and conversations is not none -%}
    select * from {{ relation }} as rows
    where rows.loaded_run_id is null
    union all by name
    select rows.*
    from {{ relation }} as rows
    inner join ({{ new_loads(current_loads_of(conversations)) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# The load key columns of a mart fed by `rows_to_rebuild`: NULL throughout when the vendor is
   switched off, so the mart keeps its columns. #}
{% macro load_key_columns(conversations, relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    {%- if conversations is not none -%}
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

{# Kore's staged conversations, whose loads the incremental facts follow; none with Kore switched
   off (`using_kore`), when the facts rebuild every row. #}
{% macro kore_conversations() -%}
    {{ return(ref('stg_kore__conversations') if var('using_kore', true) else none) }}
{%- endmacro %}
