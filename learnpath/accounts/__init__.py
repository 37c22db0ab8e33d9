from flask import Blueprint

bp = Blueprint("accounts", __name__)

from learnpath.accounts import routes  # noqa: E402,F401
from learnpath.accounts.services import init_app  # noqa: E402,F401
