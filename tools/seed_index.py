"""Parse the source publication's index (../shared/seed/*.txt) into sections, categories and articles.

The index is a flat list: section headings, category headings, then (title, summary) pairs,
newest first. Headings are known by name; the featured-article banner at the top is skipped.
Used by the catalog test (every article present exactly once) and by tools that scaffold packs.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS: dict[str, list[str]] = {
    "HLD": ["Scenario Based"],
    "Programming": ["Go"],
    "API Design & Application Protocols": ["Protocols"],
    "Database": ["Cache", "Performance", "Sql"],
    "Domain": ["Security"],
    "Infrastructure & Distributed Systems": ["Distributed Systems", "Containers & Orchestration"],
    "LLD": ["Concurreny Patterns", "Design Principal"],
    "Networking": ["Application Transport Protocols", "Authentication Authorization Layer", "Network Fundamentals"],
}
MARKERS = {"00-course-overview"}


@dataclass
class Category:
    section: str
    name: str
    articles: list[tuple[str, str]] = field(default_factory=list)  # (title, summary), newest first


def slugify(text: str, max_len: int = 64) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            break
        slug = candidate
    return slug


def parse_index(path: Path) -> list[Category]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = lines.index("HLD")
    categories: list[Category] = []
    section = None
    pending: str | None = None
    for line in lines[start:]:
        if line in SECTIONS:
            section = line
            continue
        if section and line in SECTIONS[section]:
            categories.append(Category(section, line))
            continue
        if line in MARKERS:
            continue
        if pending is None:
            pending = line
        else:
            categories[-1].articles.append((pending, line))
            pending = None
    assert pending is None, f"dangling title {pending!r}"
    return categories
