{#
  The column types of what a node just built, as DuckDB's catalog has them, logged for
  Dagster: dagster-dbt reads a JSON log line of this shape from a node's events and shows the
  columns, with their types and descriptions, on the asset's materialization (the "Columns"
  table). Called by `persist_docs` (macros/persist_docs.sql), which every materialization
  calls once the relation is built, with the columns it has looked up anyway: one look at
  the relation serves the comments and the types. Only when dbt logs JSON, as it does under
  Dagster: a build by hand prints nothing more.
#}
{% macro logs_column_types() %}
  {{ return(execute and invocation_args_dict.get('log_format') == 'json') }}
{% endmacro %}

{% macro log_column_types(relation, model, columns) %}
  {% set described = model.get('columns', {}) %}
  {% set types = {} %}
  {% for column in columns %}
    {% set info = described.get(column.name, {}) %}
    {% do types.update({
      column.name: {'data_type': column.dtype, 'description': info.get('description') or none}
    }) %}
  {% endfor %}
  {% do log(tojson({
    'columns': types,
    'database': relation.database,
    'schema': relation.schema,
    'alias': relation.identifier
  }), info=true) %}
{% endmacro %}
