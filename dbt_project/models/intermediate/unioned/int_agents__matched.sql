-- One person across vendors: identities with the same email (trimmed, lower case) are one
-- agent. The agent_identity_overrides seed maps identities by hand where emails disagree or are
-- missing; an identity without any email stays a person of its own.
with identities as (
    select * from {{ ref('int_agents__vendor_identities') }}
),

overrides as (
    select vendor, vendor_agent_id, {{ normalize_email('email') }} as email
    from {{ ref('agent_identity_overrides') }}
),

keyed as (
    select
        identities.*,
        coalesce(overrides.email, identities.email) as matched_email,
        case
            when coalesce(overrides.email, identities.email) is not null
                then 'email:' || coalesce(overrides.email, identities.email)
            else 'vendor:' || identities.vendor || ':' || identities.vendor_agent_id
        end as person_key
    from identities
    left join overrides
        on overrides.vendor = identities.vendor
        and overrides.vendor_agent_id = identities.vendor_agent_id
)

select
    {{ surrogate_key(['person_key']) }} as agent_id,
    *
from keyed
