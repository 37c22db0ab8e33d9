"""Pages render with the catalog's facts; unknown slugs are 404 in HTML and JSON."""
import re

import pytest


def test_home_lists_tracks_courses_and_counts(client):
    html = client.get("/").get_data(as_text=True)
    assert "Networking" in html and "APIs" in html
    assert "Net Basics" in html and "2 lessons" in html and "6 questions" in html


def test_course_page_numbered_syllabus(client):
    html = client.get("/courses/api-course").get_data(as_text=True)
    assert html.index("TCP: reliable streams") < html.index("REST basics")
    assert "min read" in html and "pass mark 70%" in html


def test_lesson_page_in_course_context(client):
    html = client.get("/lessons/tcp?course=api-course").get_data(as_text=True)
    assert "Lesson 1 of 2" in html and 'rel="next" href="/lessons/rest?course=api-course"' in html
    assert "Also part of" in html and "Net Basics" in html
    assert 'class="toc"' in html and "4 practice questions" in html
    default = client.get("/lessons/tcp").get_data(as_text=True)
    assert "Lesson 2 of 2" in default and 'rel="prev" href="/lessons/packets?course=net-basics"' in default


def test_search_page_ranks_and_highlights(client):
    html = client.get("/search?q=handshake").get_data(as_text=True)
    assert "1 result for" in html and "<mark>handshake" in html.lower()
    assert "0 results" in client.get("/search?q=zebra").get_data(as_text=True)


def test_search_escapes_lesson_text(client):
    html = client.get("/search?q=resource").get_data(as_text=True)
    assert "<script>" not in html


@pytest.mark.parametrize("path", ["/courses/nope", "/lessons/nope", "/lessons/nope/quiz", "/certificates/nope", "/nowhere"])
def test_unknown_slugs_are_404_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "There is nothing at this address." in response.get_data(as_text=True)


def test_json_404_when_asked(client):
    response = client.get("/lessons/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_retired_lesson_is_hidden(app, client, pack_copy):
    from learnpath.content.importer import import_pack
    from learnpath.content.pack import load_pack
    (pack_copy / "lessons/rest.md").unlink()
    text = (pack_copy / "catalog.yaml").read_text().replace("lessons: [tcp, rest]", "lessons: [tcp]")
    (pack_copy / "catalog.yaml").write_text(text)
    with app.app_context():
        import_pack(load_pack(pack_copy))
    assert client.get("/lessons/rest").status_code == 404
    assert "REST basics" not in client.get("/courses/api-course").get_data(as_text=True)
    assert client.get("/api/v1/search?q=resource").get_json()["results"] == []
