"""Outfits: layering rules (z-order, conflicts, interactions) and prompt building. Pure functions."""
