-- One agent, week and vendor: how the vendor's AI scored the agent against the people who
-- reviewed the same conversations (formulas: macros/calibration.sql).
with {{ calibration_counts_by(['agent_id', 'vendor'], where='agent_id is not null') }},

{{ calibration_measures_by(['agent_id', 'vendor']) }}
