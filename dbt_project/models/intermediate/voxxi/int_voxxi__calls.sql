-- Every call submitted to Voxxi (or in doubt whether it was), with its latest analysis where
-- one came back, and its agent: `memberId` is a member id or an agent's email, matched to
-- every member Voxxi's list has ever shown (snap_agent_listing), so that a member who has
-- left, or is named by id in one row and by email in another, is one agent.
with submissions as (
    select * from {{ ref('stg_voxxi__submissions') }}
    -- Never created at Voxxi: refused, or not sent yet.
    where submission_status not in ('rejected', 'unsent', 'sending', 'resubmit', 'in_doubt')
),

calls as (
    select * from {{ ref('stg_voxxi__calls') }}
),

agents as (
    select vendor_agent_id as agent_id, email as agent_email
    from {{ ref('snap_agent_listing') }}
    where vendor = 'voxxi' and dbt_valid_to is null
)

select
    submissions.submission_key,
    coalesce(calls.call_id, submissions.call_id) as call_id,
    coalesce(
        agents.agent_id,
        -- An email Voxxi took that no list has shown.
        case when submissions.member_id like '%@%' then lower(trim(submissions.member_id)) end,
        submissions.member_id
    ) as vendor_agent_id,
    coalesce(calls.status, submissions.submission_status) as status,
    coalesce(calls.failure_reason, submissions.submission_reason) as failure_reason,
    calls.created_at,
    calls.updated_at,
    calls.duration_seconds,
    calls.score,
    calls.outcome_label,
    calls.outcome_rationale,
    calls.summary,
    submissions.submitted_at
from submissions
left join calls using (submission_key)
left join agents
    on agents.agent_id = submissions.member_id
    or agents.agent_email = lower(trim(submissions.member_id))
