"""JSON API under /api/v1, one module per area, each a blueprint nested in this one.

base.py holds what they share (body parsing, auth, errors); see docs/api.md and docs/openapi.yaml.
"""
from flask import Blueprint

from learnpath.api import admin, admin_items, attempts, auth, catalog, me
from learnpath.api.base import BadRequest, guard_writes, handle_bad_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(guard_writes)
bp.register_error_handler(BadRequest, handle_bad_request)
for area in (catalog, auth, attempts, me, admin, admin_items):
    bp.register_blueprint(area.bp)
