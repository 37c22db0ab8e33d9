"""Catalog: tracks, courses, lessons, search (routes.py holds the blueprint)."""
