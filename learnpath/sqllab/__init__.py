"""SQL practice lab: exercises graded by running the learner's query in a DuckDB sandbox."""
from pathlib import Path

from flask import Flask

from learnpath.sqllab import datasets


def init_app(app: Flask) -> None:
    datasets.configure(Path(app.instance_path) / "sqllab", app)
