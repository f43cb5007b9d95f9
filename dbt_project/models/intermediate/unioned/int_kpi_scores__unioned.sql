-- Every vendor's KPI scores in one shape, before keys and agents are attached.
{{ union_vendor_models('kpi_scores', among='scoring_vendors') }}
