"""Curator: an offline collection browser and explainable recommender."""

__version__ = "0.1.0"
