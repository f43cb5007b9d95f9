-- Incremental: the rows of vendors that load incrementally (Kore) are kept per load and only
-- new loads are added; the other vendors' rows are rebuilt every time
-- (macros/incremental_loads.sql). A year of KPI rows is the largest mart, and its rebuild was
-- the biggest part of what a daily build's cost grew with.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild('vendor_evaluation_id') }}",
) }}
{{ incremental_depends_on() }}

with kpis as (
    {{ rows_to_rebuild(ref('int_kpi_scores__unioned')) }}
)

select
    {{ surrogate_key(['vendor', 'vendor_evaluation_id', 'kpi_key']) }} as kpi_score_id,
    {{ surrogate_key(['vendor', 'vendor_evaluation_id']) }} as evaluation_id,
    vendor,
    vendor_evaluation_id,
    kpi_key as vendor_kpi_key,
    kpi_name,
    category_name,
    sub_category_name,
    answer,
    score,
    max_score,
    score_pct,
    weight,
    is_fatal,
    is_failed,
    {{ load_key_columns() }}
from kpis
