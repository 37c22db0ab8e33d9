"""Cold review of lessons: print an exam sheet without answers, then grade a reviewer's answers.

    python tools/review.py sheet SLUG [SLUG ...]      # lesson body + questions, no keys, options lettered
    python tools/review.py grade ANSWERS.json          # compare with the key using the app's graders

ANSWERS.json: {"<slug>": {"<question id>": answer}} where answer is a letter ("B") for single,
letters ("A,C") for multiple, true/false, a string for short_text, a number for numeric, and
letters in order ("C,A,B") for ordering. Letters follow the sheet's (shuffled, stable) order.
"""
from __future__ import annotations

import json
import random
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from learnpath.content.pack import load_topics, parse_lesson  # noqa: E402
from learnpath.quiz import kinds  # noqa: E402
from learnpath.quiz.grading import grade  # noqa: E402

PACK = ROOT / "seeds"


def _lesson(slug: str):
    problems: list = []
    lesson = parse_lesson(PACK / "lessons" / f"{slug}.md", f"lessons/{slug}.md", load_topics(PACK, problems), problems)
    if problems or lesson is None:
        raise SystemExit("\n".join(map(str, problems)) or f"cannot read {slug}")
    return lesson


def _options(slug: str, q) -> list[dict]:
    options = list(q.spec.get("choices") or q.spec.get("items") or [])
    random.Random(f"review:{slug}:{q.key}").shuffle(options)
    return options


def sheet(slugs: list[str]) -> None:
    for slug in slugs:
        lesson = _lesson(slug)
        print(f"# {lesson.title}\n\n{lesson.body}\n\n## Questions ({slug})\n")
        for n, q in enumerate(lesson.questions, 1):
            # A calculated question is asked with its reference variant's numbers, which the grader checks.
            prompt = kinds.get(q.kind).fill(q.spec, q.prompt) if q.kind == "calculated" else q.prompt
            print(f"### {n}. id={q.key} kind={q.kind}\n\n{prompt}\n")
            for letter, option in zip(string.ascii_uppercase, _options(slug, q)):
                print(f"- {letter}. {option['text']}")
            if q.kind == "numeric" and q.spec.get("unit"):
                print(f"(answer in {q.spec['unit']})")
            if q.kind == "sql":
                print(f"(write one SELECT on the `{q.spec['dataset']}` database: seeds/datasets/{q.spec['dataset']}/schema.sql "
                      f"+ data.sql; rows ordered: {q.spec['ordered']})")
            print()


def _grade_sql(q, answer: str):
    """Run the reviewer's query and the reference on both datasets (no app needed)."""
    import tempfile

    from learnpath.content.pack import load_datasets
    from learnpath.sqllab import datasets, engine

    problems: list = []
    specs, connections = load_datasets(PACK, problems)
    for pair in connections.values():
        for connection in pair:
            if connection is not None:
                connection.close()
    spec = specs[q.spec["dataset"]]
    base = Path(tempfile.gettempdir()) / "learnpath-review"
    for variant, rows in (("visible", spec.data_sql), ("hidden", spec.hidden_sql)):
        path = base / f"{spec.name}-{spec.version}-{variant}.duckdb"
        if not path.exists():
            datasets.build(path, spec.schema_sql + "\n" + rows)
        try:
            got = engine.run(path, answer)
        except engine.SqlError as exc:
            return False, exc.message
        expected = engine.run(path, q.spec["reference"], time_limit=10)
        difference = engine.compare(expected, got, ordered=q.spec["ordered"], match_columns=q.spec["match_columns"])
        if difference:
            return False, f"{variant} dataset: {difference}"
    return True, ""


def _to_response(slug: str, q, answer):
    letters = dict(zip(string.ascii_uppercase, (o["id"] for o in _options(slug, q))))
    if q.kind == "single":
        return letters.get(str(answer).strip().upper())
    if q.kind in ("multiple", "ordering"):
        return [letters.get(part.strip().upper()) for part in str(answer).split(",") if part.strip()]
    return answer


def grade_file(path: str) -> None:
    answers = json.loads(Path(path).read_text())
    total = agree = 0
    for slug, given in answers.items():
        lesson = _lesson(slug)
        for q in lesson.questions:
            if q.key not in given:
                print(f"MISSING {slug}/{q.key}")
                continue
            total += 1
            if q.kind == "sql":
                ok, why = _grade_sql(q, str(given[q.key]))
                if ok:
                    agree += 1
                else:
                    print(f"DISAGREE {slug}/{q.key} (line {q.line}): {why}\n  reference: {q.spec['reference']}\n")
                continue
            result = grade(q.kind, q.spec, _to_response(slug, q, given[q.key]))
            if result.correct:
                agree += 1
                continue
            key = q.spec.get("answer", q.spec.get("accepted"))
            if q.kind in ("single", "multiple"):
                key = [c["text"] for c in q.spec["choices"] if c["correct"]]
            if q.kind == "ordering":
                key = [i["text"] for i in q.spec["items"]]
            print(f"DISAGREE {slug}/{q.key} (line {q.line}): you said {given[q.key]!r}; key: {key!r}\n  explanation: {q.explanation}\n")
    print(f"agreement: {agree}/{total} = {100 * agree / total if total else 0:.1f}%")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"sheet": sheet, "grade": lambda a: grade_file(a[0])}[command](args)
