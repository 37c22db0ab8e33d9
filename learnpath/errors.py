"""One place for error responses: JSON under /api/ (or when asked for JSON), a page otherwise."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from learnpath.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address only takes a form sent from one of our pages: it cannot be opened as a page.",
    413: "The request is too large.",
    429: "Too many requests. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you did was lost; please try again.",
}
# Page title and what to do next, for the HTML pages; the message above says what happened.
PAGES = {
    400: ("This request could not be used", "Go back, check what you entered and send it again."),
    404: ("Page not found", "If you typed the address, check its spelling. Otherwise search for what you "
                            "wanted, or browse the courses."),
    405: ("This page cannot be opened like that", "You may have followed a bookmark or reloaded after sending a "
                                                  "form. Go back to the page you came from and use its button."),
    413: ("Too large", "Send less at once: shorten the text and try again."),
    429: ("Slow down: too many requests", "Wait a minute, then try again. Nothing you did before was lost."),
    500: ("Something went wrong", "Try again in a moment. If it keeps happening, come back a little later."),
}
CSRF_EXPIRED = "This form expired; reload the page and try again."
CSRF_ADVICE = ("For your safety a form works only for a while, and only on the page of this site that showed "
               "it. Reload the page, fill the form in again and send it.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def _page_back() -> str | None:
    """The page the learner came from, if it is one of ours (never an outside address)."""
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) and referrer != request.url else None


def error_response(status: int, message: str | None = None, *, title: str | None = None,
                   advice: str | None = None, **extra):
    message = message or MESSAGES.get(status, "Error")
    if wants_json():
        return jsonify(error={"status": status, "message": message, **extra}), status
    default_title, default_advice = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    if status == 405 and request.path == url_for("accounts.logout"):
        advice = "To log out, use the Log out button at the top of any page."
    return render_template("errors/error.html", code=status, title=title or default_title, message=message,
                           advice=advice or default_advice, back=_page_back()), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        # exc.description is for developers ("The CSRF token has expired."): logged, not shown.
        app.logger.info("CSRF check failed: %s", exc.description)
        return error_response(400, CSRF_EXPIRED, title="This form expired", advice=CSRF_ADVICE)

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
