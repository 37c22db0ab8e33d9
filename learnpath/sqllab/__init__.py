"""SQL practice lab: exercises graded by running the learner's query in a DuckDB sandbox."""
from __future__ import annotations

from pathlib import Path

from learnpath.sqllab import datasets


def init_app(app) -> datasets.DatasetStore:
    """Give the app its own dataset store, with its files under the app's instance folder."""
    dataset_store = datasets.DatasetStore(Path(app.instance_path) / "sqllab", datasets.database_source(app))
    app.extensions[datasets.EXTENSION_KEY] = dataset_store
    return dataset_store
