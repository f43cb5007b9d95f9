"""qa-warehouse: contact-centre QA data from several vendors into one DuckDB warehouse."""
