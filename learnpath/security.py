"""Response headers that make the browser enforce our policy: no inline scripts, no framing."""
from __future__ import annotations

import json

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from learnpath.errors import error_response

MAX_JSON_DEPTH = 32  # our deepest request body is 3 levels; 32 leaves room and stops a parser bomb

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def policy_headers(app: Flask) -> dict[str, str]:
    """The headers every response carries (also sent by the page cache's fast path)."""
    policy = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if app.config.get("SESSION_COOKIE_SECURE"):
        policy["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return policy


def _check_json(value, path: str = "body") -> None:
    """Walk a parsed body without recursion: bounded depth, text that can be stored (no lone
    surrogates such as "\\ud800", which no database encoding accepts)."""
    stack = [(value, path, 1)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels (at {where}).")
        if isinstance(node, str):
            _check_text(node, where)
        elif isinstance(node, dict):
            for key, item in node.items():
                _check_text(key, f"{where} (a key)")
                stack.append((item, f"{where}.{key}", depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(node))


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"'{where}' holds characters that are not valid Unicode text "
                         "(a lone surrogate such as \\ud800).") from None


class StrictJSONProvider(DefaultJSONProvider):
    """Request bodies are parsed, then checked for depth and storable text, before any view sees them.

    Python's parser stops a bomb of 200,000 brackets with RecursionError, which is not a
    ValueError and would become a 500: it is answered as the 400 it is.
    """

    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise BadRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.") from None
        _check_json(value)
        return value


def _has_nul(request) -> bool:
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            raw = request.get_data(cache=True)
            return b"\x00" in raw or b"\\u0000" in raw
        return any("\x00" in v for v in request.form.values())
    return False


def init_app(app: Flask) -> None:
    app.json = StrictJSONProvider(app)

    @app.before_request
    def refuse_nul_characters():
        # No text we store or look up may hold NUL: PostgreSQL refuses it, so answer 400 up front.
        if _has_nul(request):
            return error_response(400, "Text may not contain NUL characters.")
        return None

    policy = policy_headers(app)

    @app.after_request
    def headers(response):
        # Plain assignment: no view sets these, and setdefault's lookups cost on every request.
        for name, value in policy.items():
            response.headers[name] = value
        return response
