"""Exotel CQA: analyses pulled by date window, with their interactions."""
