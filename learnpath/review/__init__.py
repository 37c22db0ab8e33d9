"""Spaced review, mastery, topics and learning paths (routes.py holds the blueprint)."""
