"""Kore.ai Quality AI: the `rawdata` endpoint."""
