"""Grounded answers from a local LLM with verified paragraph citations."""
