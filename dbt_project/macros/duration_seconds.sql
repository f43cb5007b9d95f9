{# Durations arrive as a number of milliseconds or as text with a unit ("99000 milliseconds",
   "12.5 seconds"). A bare number is milliseconds, as the vendors document. #}
{% macro duration_seconds(expression) -%}
    case
        when {{ expression }} is null then null
        when regexp_full_match(trim({{ expression }}), '-?[0-9]+(\.[0-9]+)?')
            then try_cast(trim({{ expression }}) as double) / 1000.0
        else try_cast(regexp_extract(trim({{ expression }}), '^(-?[0-9]+(\.[0-9]+)?)', 1) as double)
            * case lower(regexp_extract(trim({{ expression }}), '^-?[0-9.]+\s*([A-Za-z]+)', 1))
                when 'ms' then 0.001
                when 'millisecond' then 0.001
                when 'milliseconds' then 0.001
                when 's' then 1
                when 'sec' then 1
                when 'secs' then 1
                when 'second' then 1
                when 'seconds' then 1
                when 'min' then 60
                when 'mins' then 60
                when 'minute' then 60
                when 'minutes' then 60
              end
    end
{%- endmacro %}
