"""Receive by webhook: for vendors that post their results to us instead of being asked.

A receiver (`app.py`, Starlette on uvicorn) authenticates each delivery by a secret carried
in the callback URL we gave the vendor (`callback.py`), bounds its size and its time, and
commits it to a journal (`journal.py`, SQLite in WAL mode with full sync) before it answers
2xx: never to the DuckDB warehouse, whose one writer belongs to the pipeline. The pipeline
then moves what the journal holds into the vendor's raw table in one transaction per batch
(`land.py`), matching each delivery to the request it answers through the vendor's
`WebhookSource`; `sensor.py` starts that landing in a deployment. ExoVoiceAnalyze uses it.
"""
