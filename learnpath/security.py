"""Response headers that make the browser enforce our policy: no inline scripts, no framing."""
from __future__ import annotations

from flask import Flask

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
    @app.before_request
    def refuse_nul_characters():
        # No text we store or look up may hold NUL: PostgreSQL refuses it, so answer 400 up front.
        from flask import request

        from learnpath.errors import error_response

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
