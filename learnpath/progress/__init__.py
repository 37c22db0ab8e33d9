"""Progress: enrollment, lesson progress, dashboard, certificates (routes.py holds the blueprint)."""
