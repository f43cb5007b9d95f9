{# The vendors whose rows reach the marts: those listed in the `vendors` var that an analyst
   has not switched off with `using_<vendor>: false`. A switched-off vendor's own staging and
   intermediate models still build from its raw tables; its rows leave every mart. #}
{% macro registry_var(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none -%}
        {{ exceptions.raise_compiler_error(
            "the var `" ~ name ~ "` names the registry's vendors, which the pipeline passes to "
            ~ "every dbt command: run dbt as `qa-warehouse dbt <command>`") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro enabled_vendors() -%}
    {%- set enabled = [] -%}
    {%- for vendor in registry_var('vendors') -%}
        {%- if var('using_' ~ vendor, true) -%}{%- do enabled.append(vendor) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(enabled) }}
{%- endmacro %}

{# The columns a vendor's staging keeps per load (macros/incremental_loads.sql). #}
{% macro load_key_column_names() -%}
    {{ return(['loaded_window_start', 'loaded_run_id']) }}
{%- endmacro %}

{# One entity of every enabled vendor (`int_<vendor>__<entity>`), stacked in the shape of the
   calling model's contract: its YAML's columns, in their order. Each vendor's model has a
   contract of its own with the same columns, so a vendor whose columns break fails at its
   own model. A vendor whose staging is not kept per load (not in `incremental_vendors`) has
   no load key columns: they are NULL for its rows. `among` names a var listing the vendors
   that have the entity (`scoring_vendors`...), when not every vendor does. #}
{% macro union_vendor_models(entity, among=none) -%}
    {%- set vendors = [] -%}
    {%- for vendor in enabled_vendors() -%}
        {%- if among is none or vendor in registry_var(among) -%}{%- do vendors.append(vendor) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not enabled_vendors() -%}
        {{ exceptions.raise_compiler_error("no vendor is enabled: check the `vendors` and `using_<vendor>` vars") }}
    {%- endif -%}
    {%- set columns = model.columns.values() | list -%}
    {%- if execute and not columns -%}
        {{ exceptions.raise_compiler_error(model.name ~ " stacks vendors' models in the shape of its contract: declare its columns") }}
    {%- endif -%}
    {%- if not vendors %}
{#- No enabled vendor has the entity: no rows, in its shape. #}
select
    {%- for column in columns %}
    cast(null as {{ column.data_type }}) as {{ column.name }}{{ ',' if not loop.last }}
    {%- endfor %}
where false
    {%- endif -%}
    {%- for vendor in vendors %}
select
    {%- for column in columns %}
    {% if column.name in load_key_column_names() and vendor not in registry_var('incremental_vendors') -%}
    cast(null as {{ column.data_type }}) as {{ column.name }}
    {%- else -%}
    {{ column.name }}
    {%- endif -%}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('int_' ~ vendor ~ '__' ~ entity) }}
{% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
