from flask import Blueprint

bp = Blueprint("review", __name__)

from learnpath.review import routes  # noqa: E402,F401
