"""Pull by window: a vendor's pages for one UTC window read into a spool, then committed.

Kore, EvaluAgent and CQA's analyses use it. A vendor's client yields `Page`s for a window
(`pages.py`), walking the vendor's pagination with the guards in `paging.py`; `land.py` spools
and commits them; `asset.py` is what every raw asset does per partition; `checks.py` the
asset checks each raw asset carries.
"""
