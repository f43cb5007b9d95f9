"""Publishing: what analysts read, written after every build.

`analyst_copy.py` copies the marts to a new read-only DuckDB file and switches the link to it;
`parquet.py` writes them as Parquet too (any fsspec URL); `report/` draws the scorecard page
from the copy; `asset.py` is the Dagster asset that does all three after the dbt build.
"""
