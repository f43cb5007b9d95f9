-- Every vendor identity of an agent, in one shape.
{{ union_vendor_models(
    'agent_identities',
    ['vendor', 'vendor_agent_id', 'display_name', 'email', 'team_name', 'is_active', 'last_seen_at'],
) }}
