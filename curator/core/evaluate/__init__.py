"""Offline evaluation: splits of the histories and ranking metrics at k."""
