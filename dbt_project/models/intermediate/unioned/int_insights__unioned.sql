-- Every insight-reporting vendor's insights in one shape.
{{ union_vendor_models('insights', among='insight_vendors') }}
