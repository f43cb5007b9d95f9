-- Every vendor's interactions in one shape, before keys and agents are attached.
{{ union_vendor_models('interactions') }}
