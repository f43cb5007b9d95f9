-- One vendor and week: how its AI scored against the people who reviewed the same
-- conversations, every agent together (formulas: macros/calibration.sql).
with {{ calibration_counts_by(['vendor']) }},

{{ calibration_measures_by(['vendor']) }}
