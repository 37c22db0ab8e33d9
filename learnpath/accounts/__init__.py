from flask import Blueprint

bp = Blueprint("accounts", __name__)


def init_app(app):
    pass
