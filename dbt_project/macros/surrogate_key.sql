{# A stable key from business columns: the same inputs give the same key on every re-run. #}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
        {%- for column in columns %}, coalesce(cast({{ column }} as varchar), '_null_'){% endfor -%}
    ))
{%- endmacro %}

{# Lower case, trimmed, empty as NULL: the form in which emails are compared across vendors. #}
{% macro normalize_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}
