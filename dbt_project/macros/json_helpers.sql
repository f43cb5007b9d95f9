{# The first of several key spellings that is present, as text. Vendors rename keys between
   releases; staging lists every spelling seen so the marts never see the difference. #}
{% macro json_text(json_column, keys) -%}
    coalesce(
        {%- for key in keys %}
        {{ json_column }} ->> '$."{{ key }}"'{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{# A number, or NULL when the vendor sent "NA", "-", null or nothing. Never 0 for "not scored". #}
{% macro json_number(json_column, keys) -%}
    try_cast({{ json_text(json_column, keys) }} as double)
{%- endmacro %}

{% macro json_boolean(json_column, keys) -%}
    try_cast({{ json_text(json_column, keys) }} as boolean)
{%- endmacro %}

{# An ISO-8601 instant with Z or an offset, or a bare "YYYY-MM-DD HH:MM:SS" meant as UTC. #}
{% macro to_utc_timestamp(expression) -%}
    cast(timezone('UTC', try_cast({{ expression }} as timestamptz)) as timestamp)
{%- endmacro %}

{# A list of JSON objects under the first present key spelling. #}
{% macro json_array(json_column, keys) -%}
    coalesce(
        {%- for key in keys %}
        json_extract({{ json_column }}, '$."{{ key }}"[*]'){% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
