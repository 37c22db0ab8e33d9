"""Calculated (Moodle's "calculated"): a numeric question whose numbers are drawn per attempt.

The pack gives `variables` (each a range `{min, max, step}` / `{min, max, decimals}` or a list of
values), optional `derived` values (name: formula, shown in the explanation's working), a
`formula` for the answer, a `tolerance` (absolute, or relative as "2%") and an optional `unit`.
The prompt and the explanation name values as `{n}`; the explanation may also show `{answer}`.

The stored spec holds the question's reference variant (every variable at its first value), so
each function here is total on it. An attempt binds its own variant (`variant`, from a generator
seeded by the attempt and the question; learnpath.quiz.variants does the seeding); an answer
stores the values it was asked with, and `with_values` rebuilds that variant for its review.
Formulas are evaluated by learnpath.quiz.formula (simpleeval with a whitelist), never by eval.
"""
from __future__ import annotations

import itertools
import math
import random
import re
from typing import Any

from learnpath.quiz import formula
from learnpath.quiz.kinds.base import WRONG, Grade
from learnpath.quiz.kinds.numeric import MAX_MAGNITUDE, Numeric, format_number

NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
MAX_VARIABLES = 8
MAX_LIST = 100  # values in one list
MAX_DECIMALS = 6
SAMPLES = 64  # random variants the validator evaluates besides the corners
MAX_RELATIVE = 50.0  # percent: more is no longer a check of the computation


def shown(value: float) -> str:
    """A computed value for people: six significant digits, no trailing zeros (9585.06, 0.00123457)."""
    if value == 0 or not math.isfinite(value):
        return format_number(value)
    digits = max(0, 5 - math.floor(math.log10(abs(value))))
    return format_number(round(value, digits))


def choices(variable: dict[str, Any]) -> int:
    """How many values a range or list offers."""
    if "values" in variable:
        return len(variable["values"])
    if "step" in variable:
        return math.floor((variable["max"] - variable["min"]) / variable["step"] + 1e-9) + 1
    return round((variable["max"] - variable["min"]) * 10 ** variable["decimals"]) + 1


def pick(variable: dict[str, Any], index: int) -> float:
    """The index-th value of a range or list (0: its first)."""
    if "values" in variable:
        return variable["values"][index]
    if "step" in variable:
        return round(variable["min"] + index * variable["step"], 10)
    return round(variable["min"] + index / 10 ** variable["decimals"], variable["decimals"])


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


class Calculated(Numeric):
    name = "calculated"
    fields = frozenset({"variables", "derived", "formula", "tolerance", "unit"})
    example = {
        "prompt": "How many bits does a Bloom filter need for {n} items at a false-positive rate of {p}?",
        "variables": {"n": {"min": 1000, "max": 9000, "step": 1000}, "p": [0.05, 0.001]},
        "derived": {"bits_per_item": "-ln(p) / ln(2)**2"},
        "formula": "n * bits_per_item", "tolerance": "1%", "unit": "bits",
    }

    # ---- content pack ---------------------------------------------------------------------------
    def read_spec(self, reader):
        reader = _Tracked(reader)
        variables = self._variables(reader)
        derived = self._derived(reader, set(variables))
        known = set(variables) | {name for name, _ in derived}
        answer_formula = None
        source = reader.get("formula")
        try:
            answer_formula = formula.parse(source)
        except formula.FormulaError as exc:
            reader.problem("formula", f"'formula': {exc}")
        if answer_formula is not None:
            for name in sorted(answer_formula.names - known):
                reader.problem("formula", f"'formula' uses unknown variable {name!r} (variables: {', '.join(sorted(known)) or 'none'})")
        tolerance, relative = self._tolerance(reader)
        unit = reader.get("unit", "")
        if not isinstance(unit, str):
            reader.problem("unit", "'unit' must be text")
            unit = ""
        self._placeholders(reader, "prompt", known, variables, dict(derived))
        self._placeholders(reader, "explanation", known | {"answer"})
        spec = {"variables": variables, "derived": [[name, expr] for name, expr in derived],
                "formula": source if isinstance(source, str) else "", "tolerance": tolerance, "relative": relative,
                "unit": unit.strip()}
        if reader.problems:
            return spec
        failure = self._first_failure(spec)
        if failure:
            reader.problem("formula", failure)
            return spec
        return self.with_values(spec, {name: pick(v, 0) for name, v in variables.items()})

    def _variables(self, reader) -> dict[str, dict[str, Any]]:
        raw = reader.get("variables")
        if not isinstance(raw, dict) or not raw:
            reader.problem("variables", "'variables' must map names to a range {min, max, step} or a list of values")
            return {}
        if len(raw) > MAX_VARIABLES:
            reader.problem("variables", f"'variables' has at most {MAX_VARIABLES} entries")
        variables: dict[str, dict[str, Any]] = {}
        for name, value in raw.items():
            def problem(message: str, key: str = name) -> None:
                reader.problem_in("variables", raw, key, f"variable {name!r}: {message}")

            if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name in formula.RESERVED or name == "answer":
                problem("a variable's name is lowercase letters, digits and _ (and not a function, pi, e or answer)")
                continue
            if isinstance(value, list):
                values = [_number(v) for v in value]
                if not values:
                    problem("the list of values is empty")
                elif len(values) > MAX_LIST:
                    problem(f"a list has at most {MAX_LIST} values")
                elif any(v is None or abs(v) > MAX_MAGNITUDE for v in values):
                    problem("every value in the list must be a finite number")
                else:
                    variables[name] = {"values": values}
                continue
            if not isinstance(value, dict):
                problem("give a range {min, max, step} (or decimals instead of step) or a list of values")
                continue
            unknown = sorted(set(map(str, value)) - {"min", "max", "step", "decimals"})
            if unknown:
                problem(f"unknown field {unknown[0]!r} (a range has min, max, and step or decimals)")
                continue
            low, high = _number(value.get("min")), _number(value.get("max"))
            if low is None or high is None or max(abs(low), abs(high)) > MAX_MAGNITUDE:
                problem("a range needs numbers 'min' and 'max'")
                continue
            if low > high:
                problem(f"the range is empty (min {format_number(low)} > max {format_number(high)})")
                continue
            if "step" in value and "decimals" in value:
                problem("give 'step' or 'decimals', not both")
                continue
            if "decimals" in value:
                decimals = value["decimals"]
                if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
                    problem(f"'decimals' must be a whole number from 0 to {MAX_DECIMALS}")
                    continue
                variable = {"min": low, "max": high, "decimals": decimals}
                if round(low, decimals) != low or round(high, decimals) != high:
                    problem(f"'min' and 'max' must have at most {decimals} decimals")
                    continue
            else:
                step = _number(value.get("step", 1))
                if step is None or step <= 0:
                    problem("'step' must be a number > 0 (the range is empty otherwise)")
                    continue
                variable = {"min": low, "max": high, "step": step}
            if choices(variable) < 2:
                problem("the range holds a single value: use a list, or widen it")
                continue
            variables[name] = variable
        return variables

    def _derived(self, reader, variables: set[str]) -> list[tuple[str, str]]:
        raw = reader.get("derived")
        if raw is None:
            return []
        if not isinstance(raw, dict):
            reader.problem("derived", "'derived' must map names to formulas (computed in order, shown in the explanation)")
            return []
        derived: list[tuple[str, str]] = []
        known = set(variables)
        for name, source in raw.items():
            if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name in formula.RESERVED or name == "answer":
                reader.problem_in("derived", raw, str(name), f"derived value {name!r}: a name is lowercase letters, digits and _")
                continue
            if name in known:
                reader.problem_in("derived", raw, name, f"derived value {name!r} is already a variable")
                continue
            try:
                parsed = formula.parse(source)
            except formula.FormulaError as exc:
                reader.problem_in("derived", raw, name, f"derived value {name!r}: {exc}")
                continue
            for unknown in sorted(parsed.names - known):
                reader.problem_in("derived", raw, name, f"derived value {name!r} uses unknown variable {unknown!r}")
            known.add(name)
            derived.append((name, parsed.source))
        return derived

    def _tolerance(self, reader) -> tuple[float, bool]:
        raw = reader.get("tolerance")
        if raw is None:
            reader.problem("tolerance", "'tolerance' is required: a number >= 0 (absolute) or a percentage such as \"2%\"")
            return 0.0, False
        if isinstance(raw, str) and raw.strip().endswith("%"):
            try:
                percent = float(raw.strip()[:-1])
            except ValueError:
                percent = -1.0
            if not 0 < percent <= MAX_RELATIVE:
                reader.problem("tolerance", f"a relative 'tolerance' is a percentage above 0 and at most {MAX_RELATIVE:g}%")
                return 0.0, True
            return percent / 100, True
        value = _number(raw)
        if value is None or value < 0:
            reader.problem("tolerance", "'tolerance' must be a number >= 0 (absolute) or a percentage such as \"2%\"")
            return 0.0, False
        return value, False

    def _placeholders(self, reader, key: str, known: set[str], must_show: dict | None = None,
                      derived: dict[str, str] | None = None) -> None:
        text = reader.get(key)
        if not isinstance(text, str):
            return  # the common fields' checks report it
        used = set(PLACEHOLDER_RE.findall(text))
        for name in sorted(used - known):
            reader.problem(key, f"'{key}' uses unknown variable {{{name}}}"
                           + (" (the prompt may not show the answer)" if name == "answer" else ""))
        if must_show is None:
            return
        # A variable is known to the learner when shown, or when a derived value shown is computed from it.
        visible, pending = set(), [name for name in used if name in known]
        while pending:
            name = pending.pop()
            if name not in visible:
                visible.add(name)
                pending.extend(formula.parse(derived[name]).names if name in (derived or {}) else ())
        for name in must_show:
            if name not in visible:
                reader.problem(key, f"'{key}' never shows variable {{{name}}} (nor a value computed from it): "
                                    "the learner cannot know it")

    def _first_failure(self, spec: dict[str, Any]) -> str:
        """A message for the first variant (corners, then a sample) the formulas are undefined for, or ''."""
        variables = spec["variables"]
        names = list(variables)
        ends = [sorted({0, choices(variables[n]) - 1}) for n in names]
        corners = [dict(zip(names, (pick(variables[n], i) for n, i in zip(names, combo))))
                   for combo in itertools.product(*ends)]
        rng = random.Random(f"validate:{spec['formula']}")
        sample = [self._draw(variables, rng) for _ in range(SAMPLES)]
        for values in corners + sample:
            try:
                self._compute(spec, values)
            except formula.FormulaError as exc:
                at = ", ".join(f"{n} = {format_number(v)}" for n, v in values.items())
                return f"'formula' is not usable for {at}: {exc}"
        return ""

    # ---- variants -------------------------------------------------------------------------------
    @staticmethod
    def _draw(variables: dict[str, dict[str, Any]], rng: random.Random) -> dict[str, float]:
        return {name: pick(v, rng.randrange(choices(v))) for name, v in variables.items()}

    @staticmethod
    def _compute(spec: dict[str, Any], values: dict[str, float]) -> tuple[dict[str, float], float]:
        known = dict(values)
        computed = {}
        for name, source in spec["derived"]:
            computed[name] = known[name] = formula.parse(source).evaluate(known)
        return computed, formula.parse(spec["formula"]).evaluate(known)

    def variant(self, spec, rng):
        return self.with_values(spec, self._draw(spec["variables"], rng))

    def with_values(self, spec, values):
        reference = spec.get("values") or {}
        chosen = {}
        for name, variable in spec["variables"].items():
            value = _number((values or {}).get(name))
            # A value stored before the pack changed the variable's name stays usable; a missing one
            # (renamed since) falls back to the reference variant's.
            chosen[name] = value if value is not None else reference.get(name, pick(variable, 0))
        try:
            computed, answer = self._compute(spec, chosen)
        except formula.FormulaError:  # an edited pack's formula undefined for stored values: cannot be right
            computed, answer = {}, None
        return {**spec, "values": chosen, "computed": computed, "answer": answer}

    def values_of(self, spec):
        return dict(spec["values"])

    def fill(self, spec, html):
        shown_values = {name: format_number(v) for name, v in spec["values"].items()}
        shown_values.update({name: shown(v) for name, v in spec.get("computed", {}).items()})
        if spec.get("answer") is not None:
            shown_values["answer"] = shown(spec["answer"])
        return PLACEHOLDER_RE.sub(lambda m: shown_values.get(m.group(1), m.group(0)), html)

    # ---- before submission, grading and review --------------------------------------------------
    def present(self, spec, ids, rng):
        view = {"values": dict(spec["values"])}
        if spec.get("unit"):
            view["unit"] = spec["unit"]
        return view

    def grade(self, spec, response, runner=None):
        answer = spec.get("answer")
        if answer is None:
            return WRONG
        if spec.get("relative"):
            spec = {**spec, "tolerance": spec["tolerance"] * abs(answer)}
        return super().grade(spec, response, runner)

    def describe(self, spec, response):
        values = ", ".join(f"{name} = {format_number(v)}" for name, v in spec["values"].items())
        return {**super().describe(spec, response), "asked": values}

    def describe_correct(self, spec):
        if spec.get("answer") is None:
            return {"number": "", "unit": "", "asked": "", "tolerance": "", "undefined": True}
        tolerance = spec.get("tolerance") or 0
        within = (f"{format_number(round(tolerance * 100, 6))}%" if spec.get("relative") else format_number(tolerance)) \
            if tolerance else ""
        return {**self.describe(spec, spec["answer"]), "number": shown(spec["answer"]), "tolerance": within}


class _Tracked:
    """The pack's reader, counting the problems reported through it (the formula is evaluated only without any)."""

    def __init__(self, reader):
        self.reader, self.problems = reader, 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.reader.get(key, default)

    def problem(self, key: str, message: str) -> None:
        self.problems += 1
        self.reader.problem(key, message)

    def problem_in(self, field: str, mapping: Any, key: str, message: str) -> None:
        """A problem at a nested entry's own line (`mapping` is the field's YAML mapping)."""
        self.problems += 1
        self.reader.problem_in(field, mapping, key, message)


KIND = Calculated()
