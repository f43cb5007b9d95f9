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

{# One entity of every enabled vendor (`int_<vendor>__<entity>`), stacked by column name:
   a vendor without a column leaves it NULL. `columns` selects and orders them; `among`
   names a var listing the vendors that have the entity (`scoring_vendors`...), when not
   every vendor does. #}
{% macro union_vendor_models(entity, columns=none, among=none) -%}
    {%- set vendors = [] -%}
    {%- for vendor in enabled_vendors() -%}
        {%- if among is none or vendor in registry_var(among) -%}{%- do vendors.append(vendor) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not vendors -%}
        {{ exceptions.raise_compiler_error("no vendor is enabled: check the `vendors` and `using_<vendor>` vars") }}
    {%- endif -%}
    {%- for vendor in vendors %}
select {{ columns | join(', ') if columns else '*' }}
from {{ ref('int_' ~ vendor ~ '__' ~ entity) }}
{% if not loop.last %}union all by name{% endif %}
    {%- endfor %}
{%- endmacro %}
