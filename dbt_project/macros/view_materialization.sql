{#
  Views as DuckDB makes them in one statement: `create or replace view` inside the node's
  transaction. dbt's default builds a `__dbt_tmp` view, renames the old one to `__dbt_backup`,
  renames the new one into place and drops the backup: three more statements and relation-cache
  lookups for each of the project's ~70 views, a tenth of every build's CPU
  (bench/README.md), for an atomic swap DuckDB's own transaction already gives. Readers of the
  warehouse see the old view or the new one, never neither.
  What the default does otherwise is kept: hooks in and out of the transaction, an enforced
  contract checked before the view is made, `sql_header`, grants, `persist_docs`; a table or
  other relation of the same name is dropped first (DuckDB replaces a view only by a view).
#}
{% materialization view, adapter='duckdb' %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set grant_config = config.get('grants') -%}
  {%- set sql_header = config.get('sql_header', none) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% if existing_relation is not none and not existing_relation.is_view %}
    {{ drop_relation_if_exists(existing_relation) }}
  {% endif %}

  {% call statement('main') -%}
    {%- if config.get('contract').enforced %}
      {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    {{ sql_header if sql_header is not none }}
    create or replace view {{ target_relation }} as (
      {{ sql }}
    );
  {%- endcall %}

  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
