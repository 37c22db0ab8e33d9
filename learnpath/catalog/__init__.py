from flask import Blueprint

bp = Blueprint("catalog", __name__)

from learnpath.catalog import routes  # noqa: E402,F401
