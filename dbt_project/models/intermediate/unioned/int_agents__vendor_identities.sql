-- Every vendor identity of an agent, in one shape.
{{ union_vendor_models('agent_identities') }}
