-- One row per Voxxi agent, from the last successful refresh of the agent list (each refresh
-- replaces the one before: a snapshot window).
with pages as (
    {{ landed_pages(source('voxxi', 'agents')) }}
),

agents as (
    select unnest(json_extract(payload, '$.data[*]')) as agent
    from pages
),

renamed as (
    select
        agent ->> '$.id' as agent_id,
        agent ->> '$.userId' as user_id,
        agent ->> '$.name' as agent_name,
        agent ->> '$.email' as agent_email,
        {{ to_utc_timestamp("agent ->> '$.createdAt'") }} as created_at
    from agents
)

select * from renamed
where agent_id is not null
