-- One vendor identity of a person.
select
    agent_id,
    vendor,
    vendor_agent_id,
    display_name as vendor_display_name,
    email as vendor_email
from {{ ref('int_agents__matched') }}
