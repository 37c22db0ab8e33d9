"""Formulas of calculated questions, evaluated safely: `simpleeval` with a whitelist, never `eval`.

A formula is one arithmetic expression over named numbers: + - * / // % **, unary minus, calls of
the functions in FUNCTIONS and the constants pi and e. Everything else Python can parse (attribute
access, subscripts, strings, comparisons, lambdas, comprehensions, several statements) is refused
before anything is evaluated, with a message for the content author. Values are floats, so no
operation builds a huge integer; a power goes through `_power` (math.pow raises on overflow), and
a result that is not a finite number within MAX_MAGNITUDE is an error, not an answer.
"""
from __future__ import annotations

import ast
import functools
import math
from dataclasses import dataclass
from typing import Mapping

import simpleeval

MAX_CHARS = 500  # far beyond a real formula; also bounds the parser's nesting
MAX_MAGNITUDE = 1e15  # the numeric kind's limit for a typed answer: a bigger answer cannot be typed


class FormulaError(ValueError):
    """A formula that cannot be used, or a value for which it is undefined (message for the author)."""


def _power(base: float, exponent: float) -> float:
    try:
        return math.pow(base, exponent)
    except OverflowError:
        raise FormulaError(f"{base:g} ** {exponent:g} is too large") from None


def _log(x: float, base: float | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


def _round(x: float, digits: float = 0) -> float:
    return float(round(x, int(digits)))


FUNCTIONS = {
    "ln": math.log, "log": _log, "log2": math.log2, "log10": math.log10, "exp": math.exp, "sqrt": math.sqrt,
    "ceil": math.ceil, "floor": math.floor, "round": _round, "abs": abs, "min": min, "max": max, "pow": _power,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS)

_OPERATORS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.Pow: _power, ast.USub: lambda a: -a, ast.UAdd: lambda a: +a,
}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
                  *_OPERATORS)
_DESCRIBED = {ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[b])",
              ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.Lambda: "lambda",
              ast.JoinedStr: "f-strings"}


@dataclass(frozen=True)
class Formula:
    """A checked formula: `names` are the variables it reads (functions and constants excluded)."""

    source: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The formula's value for `values` (every name in `names`); FormulaError when undefined or out of range."""
        evaluator = simpleeval.SimpleEval(operators=dict(_OPERATORS), functions=dict(FUNCTIONS),
                                          names={**CONSTANTS, **{k: float(v) for k, v in values.items()}})
        # Only the node kinds `parse` let through: anything else is refused even if it got here.
        evaluator.nodes = {node: handler for node, handler in evaluator.nodes.items()
                           if node in (ast.Name, ast.UnaryOp, ast.BinOp, ast.Call)}
        evaluator.nodes[ast.Constant] = lambda node: float(node.value)  # floats only: no huge integers
        try:
            result = evaluator.eval(self.source, previously_parsed=self.tree)
        except FormulaError:
            raise
        except (ArithmeticError, ValueError, TypeError) as exc:  # log(0), sqrt(-1), x / 0, exp(1000), ...
            raise FormulaError(f"undefined ({exc})") from None
        except simpleeval.InvalidExpression as exc:
            raise FormulaError(str(exc)) from None
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            raise FormulaError("the result is not a number")
        if not math.isfinite(result):
            raise FormulaError("the result is not a finite number")
        if abs(result) > MAX_MAGNITUDE:
            raise FormulaError(f"the result {result:.3g} is larger than {MAX_MAGNITUDE:.0e}")
        return float(result)


def parse(source: str) -> Formula:
    """Check a formula's text; FormulaError says what is not allowed."""
    if not isinstance(source, str):
        raise FormulaError("a formula is a non-empty text")
    return _parse(source)


@functools.lru_cache(maxsize=4096)  # every variant of every question re-reads the same few formulas
def _parse(source: str) -> Formula:
    if not source.strip():
        raise FormulaError("a formula is a non-empty text")
    if len(source) > MAX_CHARS:
        raise FormulaError(f"a formula has at most {MAX_CHARS} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"not a valid expression ({getattr(exc, 'msg', exc)})") from None
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            what = _DESCRIBED.get(type(node), type(node).__name__)
            raise FormulaError(f"{what} is not allowed in a formula")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, (int, float))):
            raise FormulaError(f"only numbers may be written in a formula (found {node.value!r})")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise FormulaError(f"unknown function {called!r} (allowed: {', '.join(sorted(FUNCTIONS))})")
            if node.keywords:
                raise FormulaError("keyword arguments are not allowed in a formula")
        elif isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id not in CONSTANTS:
            names.add(node.id)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    bare = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in FUNCTIONS and id(n) not in called]
    if bare:
        raise FormulaError(f"{bare[0]!r} is a function: call it, e.g. {bare[0]}(x)")
    return Formula(source.strip(), tree.body, frozenset(names))
