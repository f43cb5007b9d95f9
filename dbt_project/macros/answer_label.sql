{# Answers in the marts: yes, no, partial, na, or the vendor's own label, lower case. #}
{% macro answer_label(expression) -%}
    case
        when {{ expression }} is null then null
        when lower(trim({{ expression }})) in ('yes', 'y', 'pass', 'passed', 'true') then 'yes'
        when lower(trim({{ expression }})) in ('no', 'n', 'fail', 'failed', 'false') then 'no'
        when lower(trim({{ expression }})) in ('partial', 'partially') then 'partial'
        when lower(trim({{ expression }})) in ('na', 'n/a', 'not applicable', '-', '') then 'na'
        else lower(trim({{ expression }}))
    end
{%- endmacro %}
