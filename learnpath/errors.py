"""One place for error responses: JSON under /api/ (or when asked for JSON), a page otherwise."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from learnpath.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    429: "Too many requests. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you did was lost; please try again.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def error_response(status: int, message: str | None = None, **extra):
    message = message or MESSAGES.get(status, "Error")
    if wants_json():
        return jsonify(error={"status": status, "message": message, **extra}), status
    title = {404: "Not found", 429: "Slow down", 413: "Too large"}.get(status, "Something went wrong" if status >= 500 else "Bad request")
    return render_template("errors/error.html", code=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, f"The form expired or was not sent from this site ({exc.description}). Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error_response(exc.code or 500, MESSAGES.get(exc.code) if exc.code in (404, 405, 413, 429, 500) else exc.description)
        if exc.code == 429:
            response = make_response(response)
            response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        db.session.rollback()
        return error_response(500)
