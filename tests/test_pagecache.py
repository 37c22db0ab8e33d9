"""Visitors' catalog pages are cached with ETags and dropped when an import changes the catalog."""

from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from tests.conftest import sql_statements


def test_anonymous_pages_are_served_from_memory_with_etag(app, client):
    first = client.get("/lessons/tcp")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"] and "Cookie" in first.headers["Vary"]
    second, statements = sql_statements(app, lambda: client.get("/lessons/tcp"))
    assert second.get_data() == first.get_data()
    assert all("catalog_state" in s for s in statements)  # only the version check, no page queries
    revalidated = client.get("/lessons/tcp", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and not revalidated.get_data()
    assert revalidated.headers["Content-Security-Policy"]  # security headers on cached responses too


def test_import_that_changes_the_catalog_invalidates(app, client, pack_copy):
    before = client.get("/lessons/packets").get_data(as_text=True)
    assert "Routers forward packets" in before
    path = pack_copy / "lessons/packets.md"
    path.write_text(path.read_text().replace("summary: Routers forward packets hop by hop.", "summary: Routers relay packets."))
    with app.app_context():
        import_pack(load_pack(pack_copy))
    after = client.get("/lessons/packets").get_data(as_text=True)
    assert "Routers relay packets." in after and "Routers forward packets hop by hop." not in after


def test_logged_in_pages_are_never_shared(app, client, auth):
    client.get("/lessons/tcp")  # cache the visitor's page
    auth.signup()
    page = client.get("/lessons/tcp").get_data(as_text=True)
    assert "Mark as read" in page and "Ada" in page
    visitor = app.test_client().get("/lessons/tcp").get_data(as_text=True)
    assert "Mark as read" not in visitor and "Ada" not in visitor


def test_unknown_pages_are_not_cached(app, client):
    assert client.get("/lessons/nope").status_code == 404
    assert "ETag" not in client.get("/lessons/nope").headers


def test_fast_path_serves_from_wsgi_with_security_headers(make_app):
    app = make_app(PAGE_CACHE_VERSION_TTL=60)
    client = app.test_client()
    first = client.get("/courses/net-basics")
    second, statements = sql_statements(app, lambda: client.get("/courses/net-basics"))
    assert statements == [] and second.get_data() == first.get_data()
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "ETag"):
        assert second.headers[header] == first.headers[header]
    assert client.get("/courses/net-basics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # a request with a cookie never takes the fast path
    client.set_cookie("session", "x")
    assert sql_statements(app, lambda: client.get("/courses/net-basics"))[1]
