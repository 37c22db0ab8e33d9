from flask import Blueprint

bp = Blueprint("quiz", __name__)

from learnpath.quiz import routes  # noqa: E402,F401
