-- Every vendor's audits in one shape, before keys and agents are attached.
{{ union_vendor_models('audits', among='scoring_vendors') }}
