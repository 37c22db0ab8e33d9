"""Public, verifiable certificates: the issuer profile (with its public key), each certificate's signed
Open Badges credential, and its revocation status (learnpath.interop.credentials); and a learner's
review cards as an Anki deck (learnpath.interop.anki; the API's twin is in learnpath.api.me)."""
from __future__ import annotations

import os
import threading

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from flask_login import current_user, login_required

from learnpath.extensions import db
from learnpath.interop import anki, credentials
from learnpath.models.catalog import Course
from learnpath.progress import services as progress

bp = Blueprint("interop", __name__)
_KEY = "learnpath.issuer_key"
_lock = threading.Lock()


def issuer_key():
    """The instance's Ed25519 key, loaded (or created) once per app."""
    key = current_app.extensions.get(_KEY)
    if key is None:
        with _lock:
            key = current_app.extensions.get(_KEY)
            if key is None:
                pem = current_app.config.get("LEARNPATH_ISSUER_KEY") or os.environ.get("LEARNPATH_ISSUER_KEY")
                key = credentials.load_or_create_key(current_app.instance_path, pem)
                current_app.extensions[_KEY] = key
    return key


def base_url() -> str:
    """Where this instance is reached: LEARNPATH_BASE_URL when set (stable ids behind proxies), else the request's."""
    configured = current_app.config.get("LEARNPATH_BASE_URL") or os.environ.get("LEARNPATH_BASE_URL")
    return (configured or request.url_root).rstrip("/")


def _json(document: dict, status: int = 200):
    response = jsonify(document)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers run anywhere
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/issuer")
@bp.get("/.well-known/learnpath-issuer.json")
def issuer():
    return _json(credentials.issuer_profile(base_url(), issuer_key().public_key()))


def _certificate(code: str):
    return progress.find_certificate(code) or abort(404)


@bp.get("/certificates/<code>/credential.json")
def credential(code: str):
    found = _certificate(code)
    summary = db.session.scalar(sa.select(Course.summary).where(Course.slug == found.course_slug)) or ""
    base = base_url()
    document = credentials.credential(base, found, summary)
    signed = credentials.sign(document, issuer_key(), f"{base}/issuer#key-1", found.completed_at)
    response = _json(signed)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{found.course_slug}.json"'
    response.headers["X-Credential-Status"] = found.status  # the status list is the authority; this is a hint
    return response


@bp.get("/certificates/<code>/status")
def status(code: str):
    return _json(credentials.revocation_list(base_url(), _certificate(code)))


def anki_download(user_id: int) -> Response:
    """The learner's .apkg as a download (the web route and the API's GET /me/anki.apkg)."""
    from learnpath.review.services import now_utc

    instance = credentials.public_multibase(issuer_key().public_key())
    data, _ = anki.build(user_id, instance, now_utc())
    response = Response(data, mimetype="application/apkg")
    response.headers["Content-Disposition"] = 'attachment; filename="learnpath-review.apkg"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/review/anki.apkg")
@login_required
def anki_export():
    return anki_download(current_user.id)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
