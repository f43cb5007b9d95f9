{#
  `persist_docs` as dbt's default does it (the model's description on the relation, each
  column's on the column when the relation has that column; dbt-duckdb's dollar quoting), in
  one statement after one look at the relation's columns. The default looks them up twice
  (`persist_docs` and dbt-duckdb's `alter_column_comment` each ask) and sends the relation's
  comment apart: over every model of a build, about a tenth of its CPU (bench/README.md).
  The same look gives Dagster the column types (macros/log_column_types.sql): every
  materialization, seeds' and snapshots' included, calls this once the relation is built, so
  no post-hook has to look again.
#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
  {%- set statements = [] -%}
  {%- if for_relation and config.persist_relation_docs() and model.description -%}
    {%- do statements.append(alter_relation_comment(relation, model.description) | trim) -%}
  {%- endif -%}
  {%- set document_columns = for_columns and config.persist_column_docs() and model.columns -%}
  {%- set log_types = for_columns and logs_column_types() -%}
  {%- if document_columns or log_types -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- if log_types -%}
      {%- do log_column_types(relation, model, columns) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if document_columns -%}
    {%- set existing = columns | map(attribute="name") | list -%}
    {%- set documented = validate_doc_columns(relation, model.columns, existing) -%}
    {%- for name, column in documented.items() -%}
      {%- set quoted = adapter.quote(name) if column['quote'] else name -%}
      {%- do statements.append(
        "comment on column " ~ relation ~ "." ~ quoted ~ " is "
        ~ duckdb_escape_comment(column['description'] or '') ~ ";"
      ) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if statements -%}
    {%- do run_query(statements | join("\n")) -%}
  {%- endif -%}
{%- endmacro %}
