-- Every vendor's audits in one shape, before keys and agents are attached.
{%- set parts = [] %}
{%- if var('using_kore', true) %}{% do parts.append(ref('int_kore__audits')) %}{% endif %}
{%- if var('using_evaluagent', true) %}{% do parts.append(ref('int_evaluagent__audits')) %}{% endif %}
{%- if var('using_cqa', true) %}{% do parts.append(ref('int_cqa__audits')) %}{% endif %}
{% for part in parts %}
select * from {{ part }}
{% if not loop.last %}union all by name{% endif %}
{%- endfor %}
