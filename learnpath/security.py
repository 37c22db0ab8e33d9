"""Response headers that make the browser enforce our policy: no inline scripts, no framing."""
from __future__ import annotations

from flask import Flask

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


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

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
