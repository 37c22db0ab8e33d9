"""SQL: a query graded by running it and the reference in a sandbox, on the visible rows and on hidden ones.

Grading needs the app's SQL sandbox, handed in as `runner` (learnpath.sqllab.datasets.DatasetStore
is the real one); this module only decides what to run and compares the results.
"""
from __future__ import annotations

from typing import Any, Protocol

from learnpath.quiz.kinds.base import WRONG, Grade, TextKind
from learnpath.sqllab.engine import MAX_SQL_CHARS, QueryResult, SqlError, compare

VARIANTS = ("visible", "hidden")
HIDDEN_MISMATCH = ("Right on the sample rows, but wrong on a second, hidden dataset with the same schema: the query "
                   "depends on the particular rows (hard-coded values, LIMIT, a lucky order). Make it follow the "
                   "task's rule for any data.")


class SqlRunner(Protocol):
    """The sandbox: runs one read-only query on a version of a dataset (raises SqlError if it cannot)."""

    def run(self, dataset: str, version: str, sql: str, variant: str = "visible") -> QueryResult: ...
    def reference(self, dataset: str, version: str, sql: str, variant: str) -> QueryResult: ...


class Sql(TextKind):
    name = "sql"
    fields = frozenset({"dataset", "reference", "ordered", "match_columns"})
    max_chars, label = MAX_SQL_CHARS, "a SQL answer (a query)"
    runner = "sql"
    example = {"dataset": "shop", "reference": "SELECT name FROM customers WHERE city IS NOT NULL", "ordered": False}

    def read_spec(self, reader):
        spec: dict[str, Any] = {"dataset": reader.slug("dataset"), "reference": reader.text("reference")}
        for flag in ("ordered", "match_columns"):
            spec[flag] = reader.flag(flag)
        return spec  # the pack adds `dataset_version` once it has read the datasets

    def present(self, spec, ids, rng):
        return {"dataset": spec["dataset"]}

    def grade(self, spec, response, runner: SqlRunner | None = None):
        if not isinstance(response, str) or not response.strip():
            return WRONG
        if runner is None:
            raise TypeError("grading an SQL question needs the SQL sandbox runner")
        name, version = spec["dataset"], spec["dataset_version"]
        for variant in VARIANTS:
            expected = runner.reference(name, version, spec["reference"], variant)
            try:
                got = runner.run(name, version, response, variant)
            except SqlError as exc:
                return Grade(False, 0.0, exc.message)
            difference = compare(expected, got, ordered=spec.get("ordered", False),
                                 match_columns=spec.get("match_columns", False))
            if difference:
                return Grade(False, 0.0, HIDDEN_MISMATCH if variant == "hidden" else difference)
        return Grade(True, 1.0, "Same result as the reference query on the sample rows and on a hidden dataset.")

    def correct_response(self, spec):
        return spec["reference"]

    def describe(self, spec, response):
        return {"code": response}


KIND = Sql()
