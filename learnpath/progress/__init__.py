from flask import Blueprint

bp = Blueprint("progress", __name__)

from learnpath.progress import routes  # noqa: E402,F401
