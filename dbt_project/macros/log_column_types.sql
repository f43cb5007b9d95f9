{#
  The column types of what a node just built, as DuckDB's catalog has them, logged for
  Dagster: dagster-dbt reads a JSON log line of this shape from a node's events and shows the
  columns, with their types and descriptions, on the asset's materialization (the "Columns"
  table). A post-hook on every model, snapshot and seed (dbt_project.yml). Only when dbt logs
  JSON, as it does under Dagster: a build by hand prints nothing more.
#}
{% macro log_column_types() %}
  {% if execute and invocation_args_dict.get('log_format') == 'json' %}
    {% set described = model.get('columns', {}) %}
    {% set columns = {} %}
    {% for column in adapter.get_columns_in_relation(this) %}
      {% set info = described.get(column.name, {}) %}
      {% do columns.update({
        column.name: {'data_type': column.dtype, 'description': info.get('description') or none}
      }) %}
    {% endfor %}
    {% do log(tojson({
      'columns': columns,
      'database': this.database,
      'schema': this.schema,
      'alias': this.identifier
    }), info=true) %}
  {% endif %}
{% endmacro %}
