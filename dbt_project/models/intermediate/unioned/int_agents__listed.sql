-- Every agent listing of the vendors that list their agents (var `listing_vendors`), as it
-- stands now: what snap_agent_listing keeps as history.
{{ union_vendor_models('agent_listing', among='listing_vendors') }}
