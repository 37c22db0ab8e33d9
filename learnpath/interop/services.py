"""The interop area's service layer, shared by its pages and the API: the instance's issuer key, the
base URL credentials name, and a learner's Anki package as a download."""
from __future__ import annotations

import os
import threading

import sqlalchemy as sa
from flask import Response, current_app, request

from learnpath.extensions import db
from learnpath.interop import anki, credentials
from learnpath.models.catalog import Course
from learnpath.review.services import now_utc

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


def instance_id() -> str:
    """Names this instance in Anki note GUIDs: its issuer public key (stable, and different per instance)."""
    return credentials.public_multibase(issuer_key().public_key())


def base_url() -> str:
    """Where this instance is reached: PUBLIC_URL when set (stable ids, whatever Host a request names),
    else the request's."""
    configured = current_app.config.get("PUBLIC_URL") or current_app.config.get("LEARNPATH_BASE_URL")
    return (configured or request.url_root).rstrip("/")


def signed_credential(certificate) -> dict:
    """A certificate (progress.services.Certificate) as a signed OpenBadgeCredential; the same bytes each time."""
    summary = db.session.scalar(sa.select(Course.summary).where(Course.slug == certificate.course_slug)) or ""
    base = base_url()
    document = credentials.credential(base, certificate, summary)
    return credentials.sign(document, issuer_key(), f"{base}/issuer#key-1", certificate.completed_at)


def anki_download(user_id: int) -> Response:
    """The learner's .apkg as a download (the web route and the API's GET /me/anki.apkg)."""
    data, _ = anki.build(user_id, instance_id(), now_utc())
    response = Response(data, mimetype="application/apkg")
    response.headers["Content-Disposition"] = 'attachment; filename="learnpath-review.apkg"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
