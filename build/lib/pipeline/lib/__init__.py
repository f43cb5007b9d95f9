"""Code shared by every vendor: settings, HTTP, raw landing, partitions, dbt and publishing."""
