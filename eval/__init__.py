"""Evaluation of retrieval and answers against the gold question sets (``python -m eval``)."""
