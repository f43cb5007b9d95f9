-- Every vendor identity of an agent, in one shape.
{%- set parts = [] %}
{%- if var('using_kore', true) %}{% do parts.append(ref('int_kore__agent_identities')) %}{% endif %}
{%- if var('using_evaluagent', true) %}{% do parts.append(ref('int_evaluagent__agent_identities')) %}{% endif %}
{%- if var('using_cqa', true) %}{% do parts.append(ref('int_cqa__agent_identities')) %}{% endif %}
{% for part in parts %}
select vendor, vendor_agent_id, display_name, email, team_name, is_active, last_seen_at
from {{ part }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
