"""Datasets: manifest, fetch and verification, schema validation, subsets, contamination, prompt templates."""
