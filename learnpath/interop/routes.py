"""Public, verifiable certificates: the issuer profile (with its public key), each certificate's signed
Open Badges credential, and its revocation status (learnpath.interop.credentials); and a learner's
review cards as an Anki deck (learnpath.interop.anki; the API's twin is in learnpath.api.me)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify
from flask_login import current_user, login_required

from learnpath.interop import credentials
from learnpath.interop.services import anki_download, base_url, issuer_key, signed_credential
from learnpath.progress import services as progress

bp = Blueprint("interop", __name__)


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
    response = _json(signed_credential(found))
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{found.course_slug}.json"'
    response.headers["X-Credential-Status"] = found.status  # the status list is the authority; this is a hint
    return response


@bp.get("/certificates/<code>/status")
def status(code: str):
    return _json(credentials.revocation_list(base_url(), _certificate(code)))


@bp.get("/review/anki.apkg")
@login_required
def anki_export():
    return anki_download(current_user.id)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
