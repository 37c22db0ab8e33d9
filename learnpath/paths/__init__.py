"""Learning paths: ordered courses, with the learner's progress along them (blueprint in routes.py)."""
