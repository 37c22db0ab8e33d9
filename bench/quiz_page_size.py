"""Quiz page height and HTML size: SQL Mastery Part 1 (50 questions), paged (the default) vs all on one page.

Run from the repository root: `PYTHONPATH=. .venv/bin/python bench/quiz_page_size.py` (needs Debian's chromium).
"""
import tempfile
from pathlib import Path
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from learnpath import create_app
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from learnpath.models import Lesson
from tests.browser.conftest import serving

tmp = Path(tempfile.mkdtemp())
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/m.sqlite3", "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_ENABLED": False, "SECRET_KEY": "m", "SERVER_NAME": None}, instance_path=str(tmp / "i"))
with app.app_context():
    upgrade(); import_pack(load_pack("seeds")); db.session.remove()
client = app.test_client()
client.post("/signup", data={"email": "m@example.com", "password": "correct horse battery", "name": "M"})
url = client.post("/lessons/sql-mastery-guide-part-1/attempts").headers["Location"].split("?")[0]
cookie = client.get_cookie("session")
def measure(label):
    html = client.get(url).get_data()
    with serving(app) as base, sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width in (1280, 390):
            ctx = b.new_context(viewport={"width": width, "height": 800})
            ctx.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
            page = ctx.new_page(); page.goto(base + url)
            print(f"{label}: {len(html):,} bytes of HTML, {page.evaluate('document.documentElement.scrollHeight'):,} px tall at {width} px")
            ctx.close()
        b.close()
measure("paged (default, 10 per page)")
with app.app_context():
    db.session.execute(sa.update(Lesson).where(Lesson.slug == "sql-mastery-guide-part-1").values(per_page=0)); db.session.commit()
measure("per_page: all (one page)")
