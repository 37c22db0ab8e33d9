"""Markdown -> sanitized HTML, done once at import time.

Code is highlighted by Pygments (CSS classes, no inline styles), headings get stable anchors,
a table of contents is built from level-2/3 headings, and nh3 strips anything executable.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
import nh3

from learnpath.content.pack import LESSON_LINK_RE

WORDS_PER_MINUTE = 230
RUNNABLE_FENCE_RE = re.compile(r"^(\s*(?:`{3,}|~{3,})\s*[\w+#.-]+)\s+runnable\s*$", re.MULTILINE)
FENCED_BLOCK_RE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.MULTILINE | re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")

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


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _toc(tokens: list[dict]) -> str:
    if not tokens:
        return ""
    items = []
    for token in tokens:
        children = _toc(token.get("children", []))
        items.append(f'<li><a href="#{html.escape(token["id"])}">{html.escape(html.unescape(token["name"]))}</a>{children}</li>')
    return "<ol>" + "".join(items) + "</ol>"


def count_prose_words(source: str) -> int:
    """Words outside fenced code blocks: what the lesson-length rules in CONTENT.md count."""
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", FENCED_BLOCK_RE.sub(" ", source)))


def render_markdown(source: str) -> Rendered:
    source = RUNNABLE_FENCE_RE.sub(r"\1", _resolve_lesson_links(source))
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    body = sanitize(md.convert(source))
    text = html.unescape(TAG_RE.sub(" ", body))
    text = re.sub(r"\s+", " ", text).strip()
    words = len(text.split())
    return Rendered(
        html=body, toc_html=_toc(md.toc_tokens), text=text, word_count=words,
        read_minutes=max(1, round(words / WORDS_PER_MINUTE)),
    )


def render_inline(source: str) -> str:
    """Inline Markdown for one-line texts (choices, ordering items): no block wrapper."""
    rendered = markdown.markdown(source, extensions=["sane_lists"])
    rendered = re.sub(r"^<p>(.*)</p>$", r"\1", rendered.strip(), flags=re.DOTALL)
    return sanitize(rendered)


def render_fragment(source: str) -> str:
    """Block Markdown for prompts and explanations (may hold code), without a TOC."""
    md = markdown.Markdown(extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
                           extension_configs={"codehilite": _EXTENSION_CONFIGS["codehilite"]})
    return sanitize(md.convert(RUNNABLE_FENCE_RE.sub(r"\1", _resolve_lesson_links(source))))
