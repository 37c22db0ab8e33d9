"""Quiz pages: which page and position each question of an attempt is on.

Pure functions of the attempt's question list and a page size, so anything that asks a list of
questions (a lesson quiz, later a course test or a topic practice) pages the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PER_PAGE = 10  # questions per page when the pack says nothing and the quiz is long
ONE_PAGE_UP_TO = 15  # ... and a quiz of at most this many questions stays on one page


def page_size(count: int, per_page: int | None) -> int:
    """Questions per page for a quiz of `count` questions: `per_page` from the pack (0: all on one
    page), or the default (10 per page for quizzes over 15 questions, else all on one page)."""
    if per_page is None:
        per_page = DEFAULT_PER_PAGE if count > ONE_PAGE_UP_TO else 0
    return max(count, 1) if per_page <= 0 else per_page


def page_count(count: int, size: int) -> int:
    return max(1, -(-count // size))


def pages(question_ids: list[int], size: int) -> list[list[int]]:
    """The question ids split into pages, in order (one empty page for an empty quiz)."""
    return [question_ids[i:i + size] for i in range(0, len(question_ids), size)] or [[]]


@dataclass(frozen=True)
class Place:
    page: int  # 1-based
    position: int  # 1-based, within the page
    number: int  # 1-based, within the whole quiz


def places(question_ids: list[int], size: int) -> dict[int, Place]:
    return {qid: Place(i // size + 1, i % size + 1, i + 1) for i, qid in enumerate(question_ids)}


def clamp_page(raw: Any, count: int) -> int:
    """A requested page number (from a link or a button) as a page that exists: anything else is page 1."""
    text = str(raw or "")
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 1
    return min(max(number, 1), count)


@dataclass(frozen=True)
class Status:
    number: int
    question_id: int
    page: int
    answered: bool
    flagged: bool


def statuses(question_ids: list[int], size: int, draft: dict[str, Any] | None,
             notes: dict[str, Any] | None) -> list[Status]:
    """Every question's place and state (answered / flagged) from a saved draft and notes."""
    draft, notes = draft or {}, notes or {}
    return [Status(place.number, qid, place.page, draft.get(str(qid)) is not None,
                   bool((notes.get(str(qid)) or {}).get("flagged")))
            for qid, place in places(question_ids, size).items()]
