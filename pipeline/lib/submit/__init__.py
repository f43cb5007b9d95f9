"""Submit, then poll: for vendors that analyse what the user sends them and list nothing.

Rows to send arrive as files in an inbox folder (`inbox.py`: CSV or NDJSON, columns mapped,
each row checked by the vendor before anything is sent). A ledger in the warehouse
(`ledger.py`) remembers every submission: the intent is written before the request, the
vendor's id after it (`sending.py`), and a create whose outcome is unknown becomes
`in_doubt`, never sent again unless someone asks (`qa-warehouse resubmit`). `flow.py`
submits what is new and polls what is unfinished, through a vendor's `Submitter`
(`submitter.py`); `results.py` keeps each answer polled as received; `asset.py` makes a
vendor's submission asset; `sensor.py` starts a run when submissions finish. CQA's push,
Voxxi and ExoVoiceAnalyze use it.
"""
