"""Markdown -> sanitized HTML, done once at import time.

Code is highlighted by Pygments (CSS classes, no inline styles), headings get stable anchors,
a table of contents is built from level-2/3 headings, and nh3 strips anything executable.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3

from learnpath.content import diagrams
from learnpath.content.pack import LESSON_LINK_RE

WORDS_PER_MINUTE = 230
RUNNABLE_FENCE_RE = re.compile(r"^(\s*(?:`{3,}|~{3,})\s*[\w+#.-]+)\s+runnable\s*$", re.MULTILINE)
FENCED_BLOCK_RE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.MULTILINE | re.DOTALL)
# A ```output block shows what the runnable example before it prints (the lesson checks compare the two).
OUTPUT_FENCE_RE = re.compile(r"^(`{3,}|~{3,})[ \t]*output[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul", "sup", "section",
}
_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
_EXTENSIONS = ["fenced_code", "codehilite", "tables", "def_list", "footnotes", "toc", "sane_lists"]
_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
    "toc": {"toc_depth": "2-3", "permalink": False},
}


@dataclass
class Rendered:
    html: str
    toc_html: str
    text: str
    word_count: int
    read_minutes: int


def _resolve_lesson_links(source: str) -> str:
    return LESSON_LINK_RE.sub(lambda m: f"](/lessons/{m.group(1)}{m.group(2) or ''})", source)


# Code blocks and tables scroll sideways inside themselves on a phone: a scrolling box must be
# reachable by keyboard (WCAG 2.1.1), so each gets tabindex="0" (nh3 has already removed any from the source).
_SCROLLING_BOX_RE = re.compile(r"<(pre|table)(?=[\s>])")


def sanitize(fragment: str) -> str:
    clean = nh3.clean(
        fragment, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return _SCROLLING_BOX_RE.sub(r'<\1 tabindex="0"', clean)


def _toc(tokens: list[dict]) -> str:
    if not tokens:
        return ""
    items = []
    for token in tokens:
        children = _toc(token.get("children", []))
        items.append(f'<li><a href="#{html.escape(token["id"])}">{html.escape(html.unescape(token["name"]))}</a>{children}</li>')
    return "<ol>" + "".join(items) + "</ol>"


# Tags that end a run of text: a heading, a paragraph, a list item or a table cell is its own line
# in the plain text, so search snippets never join a heading to the paragraph under it.
_BLOCK_TAGS = {
    "blockquote", "br", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(body_html: str) -> str:
    """The text of rendered HTML for search: one line per block, inline markup dropped without
    adding spaces ("<strong>Build</strong>: implement" -> "Build: implement")."""
    collector = _TextCollector()
    collector.feed(body_html)
    collector.close()
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def count_prose_words(source: str) -> int:
    """Words outside fenced code blocks: what the lesson-length rules in CONTENT.md count."""
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", FENCED_BLOCK_RE.sub(" ", source)))


# Building a Markdown instance loads every extension; one per kind of text, reset between uses,
# makes a full-catalog import several times faster.
_markdown_instances: dict[str, markdown.Markdown] = {}


def _markdown(kind: str) -> markdown.Markdown:
    md = _markdown_instances.get(kind)
    if md is None:
        if kind == "lesson":
            md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
        elif kind == "fragment":
            md = markdown.Markdown(extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
                                   extension_configs={"codehilite": _EXTENSION_CONFIGS["codehilite"]})
        else:
            md = markdown.Markdown(extensions=["sane_lists"])
        _markdown_instances[kind] = md
    return md.reset()


def _output_block(match: re.Match) -> str:
    """Printed output: escaped text under an "Output" label, never highlighted (raw HTML, then sanitized)."""
    printed = html.escape(match.group(2).rstrip("\n"), quote=False)
    return (f'\n<div class="output-block"><div class="output-label">Output</div>'
            f'<pre class="output"><code>{printed}</code></pre></div>\n')


def _preprocess(source: str) -> str:
    source = OUTPUT_FENCE_RE.sub(_output_block, _resolve_lesson_links(source))
    return RUNNABLE_FENCE_RE.sub(r"\1", source)


# A diagram is replaced by a placeholder paragraph before Markdown and sanitizing (nh3 would strip
# its <img>'s data: URL), and its <figure> is put in after; search text and word count skip it.
_DIAGRAM_TOKEN = "lpdiagram{}x{}"
_DIAGRAM_TOKEN_RE = re.compile(r"<p>lpdiagram([0-9a-f]{8})x(\d+)</p>")


def _diagram_placeholders(source: str) -> tuple[str, str, list[diagrams.Diagram]]:
    found: list[diagrams.Diagram] = []
    nonce = hashlib.sha256(source.encode()).hexdigest()[:8]

    def placeholder(match: re.Match) -> str:
        found.append(diagrams.find(match.group(0))[0])
        return "\n" + _DIAGRAM_TOKEN.format(nonce, len(found) - 1) + "\n"

    return diagrams.DIAGRAM_FENCE_RE.sub(placeholder, source), nonce, found


def _put_diagrams(body: str, nonce: str, found: list[diagrams.Diagram]) -> str:
    return _DIAGRAM_TOKEN_RE.sub(
        lambda m: diagrams.figure_html(found[int(m.group(2))]) if m.group(1) == nonce else m.group(0), body)


def render_markdown(source: str) -> Rendered:
    source, nonce, found = _diagram_placeholders(_preprocess(source))
    md = _markdown("lesson")
    body = sanitize(md.convert(source))
    text = plain_text(_DIAGRAM_TOKEN_RE.sub("", body))
    body = _put_diagrams(body, nonce, found)
    words = len(text.split())
    return Rendered(
        html=body, toc_html=_toc(md.toc_tokens), text=text, word_count=words,
        read_minutes=max(1, round(words / WORDS_PER_MINUTE)),
    )


_CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")
_STRONG_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_NEEDS_MARKDOWN_RE = re.compile(r"[\[\]<>_\\]|^\s*([-+*]|\d+\.)\s|^#|```|\n\s*\n|\n\s*([-+*|#]|\d+\.)", re.MULTILINE)


def _simple_inline(source: str) -> str:
    """Code spans, bold and italics on escaped text: the whole Markdown we see in short texts."""
    parts = []
    last = 0
    for m in _CODE_SPAN_RE.finditer(source):
        parts.append(_emphasis(html.escape(source[last:m.start()], quote=False)))
        parts.append(f"<code>{html.escape(m.group(2).strip(), quote=False)}</code>")
        last = m.end()
    parts.append(_emphasis(html.escape(source[last:], quote=False)))
    return "".join(parts)


def _emphasis(text: str) -> str:
    return _EM_RE.sub(r"<em>\1</em>", _STRONG_RE.sub(r"<strong>\1</strong>", text))


def render_inline(source: str) -> str:
    """Inline Markdown for one-line texts (choices, ordering items): no block wrapper."""
    if not _NEEDS_MARKDOWN_RE.search(source):
        return _simple_inline(source.strip())
    rendered = _markdown("inline").convert(source)
    rendered = re.sub(r"^<p>(.*)</p>$", r"\1", rendered.strip(), flags=re.DOTALL)
    return sanitize(rendered)


def render_fragment(source: str) -> str:
    """Block Markdown for prompts and explanations (may hold code), without a TOC."""
    if not _NEEDS_MARKDOWN_RE.search(source) and "\n" not in source.strip():
        return f"<p>{_simple_inline(source.strip())}</p>"
    return sanitize(_markdown("fragment").convert(_preprocess(source)))
