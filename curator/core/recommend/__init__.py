"""Signals, hybrid scoring, re-ranking and explanations."""
