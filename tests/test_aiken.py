"""Moodle Aiken import (learnpath.interop.aiken, `flask content import-aiken`)."""
from __future__ import annotations

import pytest

from learnpath.content.pack import load_pack
from learnpath.interop import aiken

MOODLE_EXAMPLE = """What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A
"""


def test_moodle_example():
    questions = aiken.parse(MOODLE_EXAMPLE, "a.txt")
    assert [(q.line, q.prompt, q.answer, len(q.options)) for q in questions] == [
        (1, "What is the correct answer to this question?", "D", 4),
        (8, "Which LMS has the most quiz import formats?", "A", 6)]
    mapped = aiken.to_pack(questions[0], set(), ["tcp"], 2)
    assert mapped["kind"] == "single" and mapped["difficulty"] == 2
    assert [c["id"] for c in mapped["choices"]] == ["a", "b", "c", "d"]
    assert [c.get("correct", False) for c in mapped["choices"]] == [False, False, False, True]
    assert mapped["explanation"] == "The right answer: Must be this one!"


def test_no_blank_lines_and_multi_line_question_text():
    text = "First line of the question\nand its second line\nA. yes\nB. no\nANSWER: A\nNext?\nA) x\nB) y\nANSWER: B\n"
    questions = aiken.parse(text)
    assert [q.prompt for q in questions] == ["First line of the question\nand its second line", "Next?"]
    assert [q.answer for q in questions] == ["A", "B"]


@pytest.mark.parametrize("text, line, words", [
    ("Q one?\nA. a\nB. b\n\nQ two?\nA. a\nB. b\nANSWER: A\n", 1, "no 'ANSWER: X' line"),
    ("Q?\nA. a\nB. b\nANSWER: C\n", 4, "answer C is not one of the options (A, B)"),
    ("Q?\nA. only one\nANSWER: A\n", 3, "needs at least 2"),
    ("Q?\nANSWER: A\n", 2, "needs at least 2"),
    ("A. orphan option\nB. another\nANSWER: A\n", 1, "before any question text"),
    ("ANSWER: A\n", 1, "without a question"),
    ("Q?\nA. a\nA. again\nANSWER: A\n", 3, "appears twice"),
    ("Q?\nA. a\nB. b\nANSWER: AB\n", 4, "one option letter"),
    ("Q?\nA. a\nB. b\n", 1, "no 'ANSWER: X' line"),
    ("\n\n", 1, "no questions found"),
])
def test_errors_name_the_line(text, line, words):
    with pytest.raises(aiken.AikenError) as caught:
        aiken.parse(text, "bad.txt")
    assert any(p.startswith(f"bad.txt:{line}: ") and words in p for p in caught.value.problems), caught.value.problems


def test_import_aiken_into_the_fixture_pack(runner, pack_copy):
    source = pack_copy / "bank.txt"
    source.write_text("Which HTTP method is safe?\nA. GET\nB. POST\nC) DELETE\nANSWER: A\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import-aiken", str(source), "--lesson", "rest", "--pack", str(pack_copy),
                                 "--difficulty", "2"])
    assert result.exit_code == 0, result.output
    question = load_pack(pack_copy).lessons["rest"].questions[-1]
    assert question.kind == "single" and question.prompt == "Which HTTP method is safe?" and question.difficulty == 2
    assert [c["text"] for c in question.spec["choices"] if c["correct"]] == ["GET"]
    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0


def test_import_aiken_refuses_a_bad_file_and_writes_nothing(runner, pack_copy):
    source = pack_copy / "bad.txt"
    source.write_text("Good?\nA. yes\nB. no\nANSWER: A\n\nBad?\nA. yes\nB. no\nANSWER: Z\n", encoding="utf-8")
    before = (pack_copy / "lessons" / "rest.md").read_bytes()
    result = runner.invoke(args=["content", "import-aiken", str(source), "--lesson", "rest", "--pack", str(pack_copy)])
    assert result.exit_code == 1
    assert "bad.txt:9: answer Z is not one of the options" in result.output
    assert (pack_copy / "lessons" / "rest.md").read_bytes() == before
