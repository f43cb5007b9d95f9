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

{# Many fields of one document with one parse. `->>` parses the whole document once per key,
   so a model reading twenty fields in two or three spellings each parses every record fifty
   times; `json_extract_string` with a list of paths parses it once. `fields` maps each
   output field to its key spellings (a key starting with `$` is a full JSON path):
   `json_text_list` reads them all into one list, `json_field` picks the first present
   spelling of one field from that list. #}
{% macro json_text_list(json_column, fields) -%}
    {%- set paths = [] -%}
    {%- for keys in fields.values() -%}
        {%- for key in keys -%}
            {%- do paths.append("'" ~ (key if key.startswith('$') else '$."' ~ key ~ '"') ~ "'") -%}
        {%- endfor -%}
    {%- endfor -%}
    json_extract_string({{ json_column }}, [{{ paths | join(', ') }}])
{%- endmacro %}

{% macro json_field(list_column, fields, name) -%}
    {%- if name not in fields -%}
        {{ exceptions.raise_compiler_error("json_field: no field '" ~ name ~ "' among " ~ fields.keys() | list) }}
    {%- endif -%}
    {%- set ns = namespace(position=1) -%}
    {%- set picks = [] -%}
    {%- for field, keys in fields.items() -%}
        {%- for key in keys -%}
            {%- if field == name -%}{%- do picks.append(list_column ~ '[' ~ ns.position ~ ']') -%}{%- endif -%}
            {%- set ns.position = ns.position + 1 -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if picks | length == 1 -%}{{ picks[0] }}{%- else -%}coalesce({{ picks | join(', ') }}){%- endif -%}
{%- endmacro %}

{# `json_field` for each of `names`, each as a column of that name: the fields a model reads
   as they are, without a cast or a rule of its own. #}
{% macro json_columns(list_column, fields, names) -%}
    {%- for name in names %}
    {{ json_field(list_column, fields, name) }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{# Each element of a list as a row of its own (`name`), beside its 1-based position in the
   list (`name_position`). An empty or NULL list gives no row. #}
{% macro unnest_with_position(list_column, name) -%}
    unnest({{ list_column }}) as {{ name }},
    unnest(range(1, len({{ list_column }}) + 1)) as {{ name }}_position
{%- endmacro %}
