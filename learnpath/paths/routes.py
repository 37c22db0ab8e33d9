from flask import Blueprint, abort, render_template
from flask_login import current_user

from learnpath.pagecache import cached_page
from learnpath.paths import services

bp = Blueprint("paths", __name__)


@bp.get("/paths")
@cached_page
def index():
    uid = current_user.id if current_user.is_authenticated else None
    return render_template("paths/index.html", paths=services.paths_with_progress(uid))


@bp.get("/paths/<slug>")
@cached_page
def path(slug: str):
    uid = current_user.id if current_user.is_authenticated else None
    found = services.paths_with_progress(uid, slug)
    if not found:
        abort(404)
    return render_template("paths/path.html", progress=found[0], next_lesson=services.next_lesson(uid, found[0]))
