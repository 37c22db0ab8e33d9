"""SQL practice lab: exercises graded by running the learner's query in a DuckDB sandbox.

datasets.py and engine.py know nothing of Flask's app or the database; this module ties them to an app.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context

from learnpath.extensions import db
from learnpath.models import Dataset
from learnpath.sqllab import datasets


def init_app(app) -> datasets.DatasetStore:
    """Give the app its own dataset store, with its files under the app's instance folder."""
    dataset_store = datasets.DatasetStore(Path(app.instance_path) / "sqllab", database_source(app))
    app.extensions[datasets.EXTENSION_KEY] = dataset_store
    return dataset_store


def database_source(app) -> datasets.SqlSource:
    """Reads a dataset's SQL from the app's database, refusing any version but the one asked for."""

    def load(name: str, version: str, variant: str) -> str:
        if not (has_app_context() and current_app._get_current_object() is app):
            with app.app_context():
                return load(name, version, variant)
        row = db.session.scalar(sa.select(Dataset).where(Dataset.name == name))
        if row is None:
            raise LookupError(f"no dataset {name!r}; import the content pack")
        if row.version != version:
            raise datasets.DatasetChanged(f"dataset {name!r} is at version {row.version}, not {version}; re-import the pack")
        return row.schema_sql + "\n" + (row.data_sql if variant == "visible" else row.hidden_sql)

    return load
