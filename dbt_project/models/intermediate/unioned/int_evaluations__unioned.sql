-- Every vendor's evaluations in one shape, before keys and agents are attached.
{{ union_vendor_models('evaluations', among='scoring_vendors') }}
