-- Every interaction scored both by a vendor's AI and by a person, in one shape.
{{ union_vendor_models('score_pairs', among='calibrating_vendors') }}
