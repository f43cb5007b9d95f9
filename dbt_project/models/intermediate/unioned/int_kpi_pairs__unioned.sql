-- Every KPI answered both by a vendor's AI and by a person, in one shape.
{{ union_vendor_models('kpi_pairs', among='calibrating_vendors') }}
