"""Moodle GIFT in and out (learnpath.interop.gift, `flask content import-gift|export-gift`)."""
from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from hypothesis import assume, given, settings, strategies as st

from learnpath.content.pack import _Collector, load_pack, load_topics, parse_lesson, parse_question
from learnpath.interop import gift
from learnpath.interop.packwrite import append, to_yaml
from learnpath.quiz import grading
from tests.test_quiz import _start

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
VOCABULARY = {"tcp": "TCP", "networking": "Networking", "rest": "REST"}


def one(text: str) -> gift.GiftQuestion:
    parsed = gift.parse(text, "t.gift")
    assert len(parsed.questions) == 1
    return parsed.questions[0]


def as_pack(question: gift.GiftQuestion, vocabulary=VOCABULARY, topics=("tcp",)):
    """The pack question the importer writes, read back by the pack's own validator (YAML and all)."""
    mapping = gift.to_pack(question, set(), list(topics), 2, vocabulary)
    problems: list = []
    c = _Collector(problems, "lessons/x.md")
    data = c.load_yaml(to_yaml([mapping]))
    spec = parse_question(c, data[0], 1, vocabulary)
    assert not problems, problems
    return spec


# ---- Moodle's documented examples (docs.moodle.org/en/GIFT_format) --------------------------------

@pytest.mark.parametrize("text, kind, check", [
    ("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}", "single",
     lambda s: [c["text"] for c in s.spec["choices"] if c["correct"]] == ["no one"] and len(s.spec["choices"]) == 3),
    ("Grant is {~buried =entombed ~living} in Grant's tomb.", "single",
     lambda s: s.prompt == "Grant is \\_\\_\\_\\_\\_ in Grant's tomb." and s.spec["choices"][1]["correct"]),
    ("Grant is buried in Grant's tomb.{F}", "true_false", lambda s: s.spec["answer"] is False),
    ("The sun rises in the East.{T}", "true_false", lambda s: s.spec["answer"] is True),
    ("The sun rises in the West.{FALSE}", "true_false", lambda s: s.spec["answer"] is False),
    ("1+1=2 {TRUE}", "true_false", lambda s: s.spec["answer"] is True and s.prompt == "1+1=2"),
    ("Who's buried in Grant's tomb?{=Grant =Ulysses Grant =Ulysses S. Grant}", "short_text",
     lambda s: s.spec["accepted"] == ["Grant", "Ulysses Grant", "Ulysses S. Grant"]),
    ("Two plus two equals {=four =4}.", "short_text",
     lambda s: s.prompt == "Two plus two equals \\_\\_\\_\\_\\_." and s.spec["accepted"] == ["four", "4"]),
    ("When was Ulysses S. Grant born?{#1822:5}", "numeric", lambda s: (s.spec["answer"], s.spec["tolerance"]) == (1822, 5)),
    ("What is the value of pi (to 3 decimal places)? {#3.14159:0.0005}.", "numeric",
     lambda s: abs(s.spec["answer"] - 3.14159) < 1e-12 and s.spec["tolerance"] == 0.0005),
    ("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.", "numeric",
     lambda s: abs(s.spec["answer"] - 3.1415) < 1e-9 and abs(s.spec["tolerance"] - 0.0005) < 1e-9),
    ("When was Ulysses S. Grant born? {#\n    =1822:0      # Correct! Full credit.\n"
     "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n}", "numeric",
     lambda s: (s.spec["answer"], s.spec["tolerance"]) == (1822, 0) and "Half credit" in s.explanation),
    ("What two people are entombed in Grant's tomb? {\n   ~%-100%No one\n   ~%50%Grant\n"
     "   ~%50%Grant's wife\n   ~%-100%Grant's father\n}", "multiple",
     lambda s: [c["text"] for c in s.spec["choices"] if c["correct"]] == ["Grant", "Grant's wife"]),
    ("What's between orange and green in the spectrum?\n{ =yellow # right; good! ~red # wrong, it's yellow "
     "~blue # wrong, it's yellow }", "single",
     lambda s: "- yellow: right; good!" in s.explanation and "- red: wrong, it's yellow" in s.explanation),
    ("::Jesus' hometown::Jesus Christ was from {\n   ~Jerusalem#This was an important city, but the wrong answer.\n"
     "   ~%25%Bethlehem#He was born here, but not raised here.\n   ~%50%Galilee#You need to be more specific.\n"
     "   =Nazareth#Yes! That's right!\n}", "single",
     lambda s: s.key == "jesus-hometown" and [c["text"] for c in s.spec["choices"] if c["correct"]] == ["Nazareth"]),
    ("How many pairs of chromosomes?{#23####Humans have 23 pairs.}", "numeric",
     lambda s: s.spec["answer"] == 23 and s.explanation == "Humans have 23 pairs."),
    ("Grant is buried in Grant's tomb.{FALSE#No one is buried there.#Right: entombed.}", "true_false",
     lambda s: "- False: Right: entombed." in s.explanation and "- True: No one is buried there." in s.explanation),
    ("::Q1:: Which \\{ brace \\} and \\= sign\\: and \\# hash and \\~ tilde?{=yes ~no}", "single",
     lambda s: s.prompt == "Which { brace } and = sign: and # hash and ~ tilde?" and s.key == "q1"),
    ("[markdown]Which **bold** `code` line\\nand a second line?{=a ~b ####[markdown]Because *it is*.}", "single",
     lambda s: s.prompt == "Which **bold** `code` line\nand a second line?" and s.explanation == "Because *it is*."),
    ("[plain]Is 2*3*4 = 24?{T}", "true_false", lambda s: s.prompt == "Is 2\\*3\\*4 = 24?"),
    ("[html]Is <b>this</b> bold?{T}", "true_false", lambda s: s.prompt == "Is <b>this</b> bold?"),
    ("// a comment line\n::Titled:: Question with a comment {T}", "true_false", lambda s: s.key == "titled"),
])
def test_moodle_examples_map_to_our_kinds(text, kind, check):
    spec = as_pack(one(text))
    assert spec.kind == kind
    assert check(spec), spec


def test_questions_are_separated_by_blank_lines_and_categories_are_skipped():
    text = ("$CATEGORY: $course$/top/tcp\n\n// comment\n::A::First?{T}\n\n\n::B::Second?{=x ~y}\n\n"
            "$CATEGORY: other\n\n::C::Third?{#4}\n")
    parsed = gift.parse(text, "t.gift")
    assert [(q.title, q.line, q.category) for q in parsed.questions] == [
        ("A", 4, "$course$/top/tcp"), ("B", 7, "$course$/top/tcp"), ("C", 11, "other")]
    # A category whose last part is a topic of the pack becomes the question's topic.
    assert gift.to_pack(parsed.questions[0], set(), ["networking"], 1, VOCABULARY)["topics"] == ["tcp"]
    assert gift.to_pack(parsed.questions[2], set(), ["networking"], 1, VOCABULARY)["topics"] == ["networking"]


def test_ids_come_from_titles_else_a_hash_and_are_made_unique():
    parsed = gift.parse("::Same title::A?{T}\n\n::Same  TITLE::B?{T}\n\nNo title here?{F}\n", "t.gift")
    used = {"same-title-2"}
    keys = [gift.to_pack(q, used, ["tcp"], 1, VOCABULARY)["id"] for q in parsed.questions]
    assert keys[:2] == ["same-title", "same-title-3"]
    assert keys[2] == gift.prompt_hash("No title here?") and keys[2].startswith("q-")


def test_weights_and_feedback_warnings_name_the_line():
    parsed = gift.parse("\n\nPick {\n  ~%50%a\n  ~%50%b\n  ~c\n}\n", "w.gift")
    assert parsed.questions[0].kind == "multiple"
    assert parsed.warnings and parsed.warnings[0].startswith("w.gift:4:")  # the first weighted answer


# ---- errors: each names its line; one refuses the whole file ---------------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("::Title without end:: ok {T}\n\n::Broken title {T}", 3, "not closed"),
    ("Fine?{T}\n\nUnbalanced {=a ~b", 3, "unbalanced braces"),
    ("Fine?{T}\n\nUnbalanced =a ~b}", 3, "unbalanced braces"),
    ("Two blocks {=a ~b}\nand {=c ~d}", 2, "second answer block"),
    ("::M:: Which animal eats which food?\n{ =cat -> cat food =dog -> dog food }", 2, "matching"),
    ("\n::E:: How are you? {}", 2, "essay"),
    ("::D:: This is only text, a description.", 1, "description"),
    ("Born when? {#\n  =18x22:5\n}", 2, "not a number"),
    ("Range?{#5..1}", 1, "backwards"),
    ("Two right? {=a =b ~c}", 1, "exactly one full-credit"),
    ("No credit? {\n~a\n~b\n}", 2, "no answer carries credit"),
    ("Only half?{=%50%half}", 1, "full-credit answer"),
    ("Numbers?{#\n=1:0\n=2:0\n}", 1, "several different full-credit"),
    ("One choice?{~%100%only}", 1, "at least 2 answers"),
    ("Stray?{stray ~a =b}", 1, "text before the first answer"),
    ("// learnpath: {not json\nMeta?{T}", 1, "not valid JSON"),
    ("\n\n\nEmpty answer? {=a ~ }", 4, "empty answer"),
])
def test_every_error_names_its_line(text, line, words):
    with pytest.raises(gift.GiftError) as caught:
        gift.parse(text, "bad.gift")
    problems = caught.value.problems
    assert any(p.startswith(f"bad.gift:{line}: ") and words in p for p in problems), problems


def test_all_problems_are_reported_at_once():
    with pytest.raises(gift.GiftError) as caught:
        gift.parse("A {}\n\nB?{T}\n\nC {=a -> b =c -> d}\n", "x.gift")
    assert [p.split(":")[1] for p in caught.value.problems] == ["1", "5"]


# ---- code-safe: text full of GIFT's special characters survives byte for byte ----------------------

CODE_TEXTS = [
    "What does `func Map[T, U any](s []T, f func(T) U) []U { ... }` return for `Map[int, string](nil, strconv.Itoa)`?",
    "```go\nfunc Keys[K comparable, V any](m map[K]V) []K {\n\tkeys := make([]K, 0, len(m))\n\treturn keys\n}\n```\n\nWhat is `len(keys)`?",
    "```sql\nSELECT a.id, b.x FROM a JOIN b ON a.id = b.a_id WHERE b.tag = '#x' -- comment: yes\n```\nHow many rows?",
    'Which JSON is valid: `{"a": [1, 2], "b": {"c": "~=#:"}}`?',
    "A Go string `\"a\\nb\\\\n\"` and a regex `\\d+\\{2\\}` and C:\\path\\to and ::double::colons",
    "[html] starts like a format tag, and %50% like a weight",
    "// starts like a comment\n// and so does this line\n$CATEGORY: not a category",
    "Trailing spaces  \non a line and a tab\there; unicode: café → ≠ ∑ 🙂",
]


@pytest.mark.parametrize("text", CODE_TEXTS)
def test_code_heavy_text_round_trips_byte_for_byte(text):
    spec = {"choices": [{"id": "one", "text": text.splitlines()[0].strip(), "correct": True},
                        {"id": "two", "text": "`x := map[string]int{\"a\": 1}` == #", "correct": False},
                        {"id": "three", "text": "%50% of {}", "correct": False}]}
    exported = gift.export_question("code-q", "single", text, "Because `a == b` {always}: #1 ~ok~", spec, ["tcp"], 3)
    q = one(exported)
    assert q.prompt == text
    assert [a.text for a in q.answers] == [c["text"] for c in spec["choices"]]
    assert [a.fraction for a in q.answers] == [1, 0, 0]
    assert q.general_feedback == "Because `a == b` {always}: #1 ~ok~"
    short = one(gift.export_question("s", "short_text", text, "x", {"accepted": ["{}", "%50%", "a=b#c~d:e\\f"]},
                                     ["tcp"], 1))
    assert [a.text for a in short.answers] == ["{}", "%50%", "a=b#c~d:e\\f"]


def test_export_skips_kinds_with_no_gift_form_with_a_comment():
    text = gift.export_question("order", "ordering", "Order these", "x", {"items": []}, ["tcp"], 1)
    assert text.startswith("// skipped 'order': learnpath's ordering kind has no GIFT form")
    assert gift.parse(text, "x.gift").questions == []


# ---- the whole seed catalog: export -> parse -> compare, and grade the same ---------------------------

def _responses(kind: str, spec: dict) -> list:
    if kind == "single":
        return [c["id"] for c in spec["choices"]] + [None, "unknown"]
    if kind == "multiple":
        ids = [c["id"] for c in spec["choices"]]
        sizes = range(len(ids) + 1) if len(ids) <= 6 else (0, 1, 2, len(ids) - 1, len(ids))
        subsets = [list(s) for n in sizes for s in itertools.combinations(ids, n)]
        return subsets + [[c["id"] for c in spec["choices"] if c["correct"]]]
    if kind == "true_false":
        return [True, False, None]
    if kind == "short_text":
        return [*spec["accepted"], *(a.upper() for a in spec["accepted"]), *(f" {a} x" for a in spec["accepted"]),
                "certainly wrong", ""]
    answer, tolerance = spec["answer"], spec.get("tolerance") or 0
    return [answer, answer + tolerance, answer - tolerance, answer + tolerance * 1.5 + 0.001,
            answer - tolerance - 1, answer * 1.01 + 1, 0.0]


def _seed_lessons():
    problems: list = []
    vocabulary = load_topics(SEEDS, problems)
    lessons = [parse_lesson(p, f"lessons/{p.name}", vocabulary, problems) for p in sorted((SEEDS / "lessons").glob("*.md"))]
    assert not problems
    return lessons, vocabulary


def test_the_whole_seed_catalog_survives_export_and_import():
    lessons, vocabulary = _seed_lessons()
    text, written, skipped = gift.export_lessons(lessons)
    exportable = [(lesson.slug, q) for lesson in lessons for q in lesson.questions if q.kind in gift.EXPORTABLE]
    assert written == len(exportable) and written > 2000
    assert skipped == sum(len(lesson.questions) for lesson in lessons) - written
    parsed = gift.parse(text, "seeds.gift")
    assert not parsed.warnings
    assert len(parsed.questions) == len(exportable)
    graded = 0
    for (slug, original), back in zip(exportable, parsed.questions):
        assert back.category.endswith("/" + slug)
        spec = as_pack(back, vocabulary)
        where = f"{slug}/{original.key}"
        assert (spec.key, spec.kind) == (original.key, original.kind), where
        assert spec.prompt == original.prompt, where
        assert spec.explanation == original.explanation, where
        assert (spec.topics, spec.difficulty) == (original.topics, original.difficulty), where
        assert spec.spec == original.spec, where  # options, keys, accepted answers, numbers, unit
        assert spec.revision == original.revision, where
        for response in _responses(original.kind, original.spec):
            assert grading.grade(spec.kind, spec.spec, response) == grading.grade(original.kind, original.spec, response), \
                (where, response)
            graded += 1
    assert graded > 10000


def test_without_the_learnpath_comments_the_seed_questions_still_grade_the_same():
    """A Moodle re-export loses our comments: choice ids become a, b, c..., but keys and grades hold."""
    lessons, vocabulary = _seed_lessons()
    text, _, _ = gift.export_lessons(lessons[:12])
    bare = "\n".join(line for line in text.split("\n") if not line.startswith(gift.META_PREFIX))
    exportable = [q for lesson in lessons[:12] for q in lesson.questions if q.kind in gift.EXPORTABLE]
    parsed = gift.parse(bare, "bare.gift")
    assert len(parsed.questions) == len(exportable) > 50
    for original, back in zip(exportable, parsed.questions):
        spec = as_pack(back, vocabulary)
        assert (spec.key, spec.kind, spec.prompt) == (original.key, original.kind, original.prompt)
        if original.kind in ("single", "multiple"):
            rename = {c["id"]: n["id"] for c, n in zip(original.spec["choices"], spec.spec["choices"])}
            assert [c["text"] for c in spec.spec["choices"]] == [c["text"] for c in original.spec["choices"]]
            for response in _responses(original.kind, original.spec):
                mapped = [rename[r] for r in response] if isinstance(response, list) else rename.get(response, response)
                assert grading.grade(spec.kind, spec.spec, mapped) == grading.grade(original.kind, original.spec, response)


# ---- the commands ----------------------------------------------------------------------------------

FEATURES = r"""// Every GIFT feature learnpath reads.
$CATEGORY: $course$/Imported/rest

::Idempotent methods::[markdown]Which method is **idempotent** by definition? {
    =`PUT`#It replaces the resource.
    ~`POST`#Creates a new one each time.
    ~`PATCH`
    ####RFC 9110 defines `PUT` as idempotent.
}

::Safe methods::Select the safe methods. {
    ~%50%GET
    ~%50%HEAD
    ~%-50%DELETE
}

::Statelessness::REST servers keep no client session state between requests.{TRUE#Reconsider.#Yes.}

// short answer with two accepted forms
::Status code::Which status code means "Not Found"? {=404 =Not Found}

::Retry budget::A client retries up to how many times with a budget of 3 attempts total? {#2}

::Latency range::A typical same-region RTT in ms (any value from 1 to 5)? {#1..5}

::Generic signature::What does `func F[T any](x T) T \{ return x \}` return for `F(3)`\: {#3:0}
"""


def test_import_gift_appends_to_the_lesson_and_the_pack_validates_and_imports(runner, pack_copy, client, auth):
    source = pack_copy / "bank.gift"
    source.write_text(FEATURES, encoding="utf-8")
    before = (pack_copy / "lessons" / "rest.md").read_text()
    result = runner.invoke(args=["content", "import-gift", str(source), "--lesson", "rest", "--pack", str(pack_copy)])
    assert result.exit_code == 0, result.output
    assert "7 question(s) added" in result.output
    after = (pack_copy / "lessons" / "rest.md").read_text()
    assert after.startswith(before)
    lesson = load_pack(pack_copy).lessons["rest"]
    new = {q.key: q for q in lesson.questions}
    assert new["idempotent-methods"].kind == "single"
    assert new["idempotent-methods"].prompt == "Which method is **idempotent** by definition?"
    assert new["idempotent-methods"].explanation.startswith("RFC 9110 defines `PUT` as idempotent.")
    assert new["safe-methods"].kind == "multiple"
    assert [c["correct"] for c in new["safe-methods"].spec["choices"]] == [True, True, False]
    assert new["statelessness"].spec["answer"] is True
    assert new["status-code"].spec["accepted"] == ["404", "Not Found"]
    assert new["latency-range"].spec == {"answer": 3.0, "tolerance": 2.0, "unit": ""}
    assert new["generic-signature"].prompt == "What does `func F[T any](x T) T { return x }` return for `F(3)`:"
    assert new["safe-methods"].topics == ["rest"]  # from $CATEGORY's last part
    result = runner.invoke(args=["content", "import", str(pack_copy)])
    assert result.exit_code == 0, result.output
    # ... and renders: the quiz shows the Markdown prompts, code braces intact, and the options.
    auth.signup()
    attempt_id = _start(client, "rest")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Which method is <strong>idempotent</strong> by definition?" in page
    assert "<code>func F[T any](x T) T { return x }</code>" in page
    assert "<code>PATCH</code>" in page and "HEAD" in page
    assert "RFC 9110" not in page  # the explanation waits for the submit
    # A title whose id is taken gets a new id (nothing is overwritten).
    source.write_text("::Idempotent methods::Is `DELETE` idempotent?{T}\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import-gift", str(source), "--lesson", "rest", "--pack", str(pack_copy)])
    assert result.exit_code == 0, result.output
    assert "idempotent-methods-2" in result.output


def test_import_gift_refuses_the_whole_file_on_any_error(runner, pack_copy):
    source = pack_copy / "bad.gift"
    source.write_text(FEATURES + "\n::Matching::Match {=a -> b =c -> d}\n", encoding="utf-8")
    before = (pack_copy / "lessons" / "rest.md").read_bytes()
    result = runner.invoke(args=["content", "import-gift", str(source), "--lesson", "rest", "--pack", str(pack_copy)])
    assert result.exit_code == 1
    assert f"bad.gift:{FEATURES.count(chr(10)) + 2}: a matching question" in result.output
    assert "nothing was written" in result.output
    assert (pack_copy / "lessons" / "rest.md").read_bytes() == before
    assert not list((pack_copy / "lessons").glob(".*tmp"))


def test_import_gift_refuses_what_the_pack_validator_refuses(runner, pack_copy):
    # "TCP" is an accepted answer in lessons/tcp.md; a question of that lesson naming it gives it away.
    source = pack_copy / "giveaway.gift"
    source.write_text("Which protocol, TCP or UDP, retransmits?{=TCP ~UDP}\n", encoding="utf-8")
    before = (pack_copy / "lessons" / "tcp.md").read_bytes()
    result = runner.invoke(args=["content", "import-gift", str(source), "--lesson", "tcp", "--pack", str(pack_copy)])
    assert result.exit_code == 1
    assert "gives it away" in result.output and "lessons/tcp.md:" in result.output
    assert (pack_copy / "lessons" / "tcp.md").read_bytes() == before


def test_import_gift_unknown_lesson(runner, pack_copy):
    source = pack_copy / "ok.gift"
    source.write_text("Q?{T}\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import-gift", str(source), "--lesson", "nope", "--pack", str(pack_copy)])
    assert result.exit_code == 1 and "no such lesson" in result.output


def test_export_gift_lesson_and_course(runner, pack_copy, tmp_path):
    result = runner.invoke(args=["content", "export-gift", "tcp", "--pack", str(pack_copy)])
    assert result.exit_code == 0, result.output
    assert "// skipped 'handshake': learnpath's ordering kind has no GIFT form" in result.output
    assert "::reliable::[markdown]Which mechanisms" in result.output
    out = tmp_path / "course.gift"
    result = runner.invoke(args=["content", "export-gift", "--course", "net-basics", "--pack", str(pack_copy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    parsed = gift.parse(out.read_text(), "course.gift")
    assert {q.category.rsplit("/", 1)[-1] for q in parsed.questions} == {"packets", "tcp"}
    assert runner.invoke(args=["content", "export-gift", "--pack", str(pack_copy)]).exit_code == 2
    assert runner.invoke(args=["content", "export-gift", "nope", "--pack", str(pack_copy)]).exit_code == 1
    # An export re-imports into another lesson as the same questions (new ids where they clash).
    lesson_gift = tmp_path / "tcp.gift"
    runner.invoke(args=["content", "export-gift", "tcp", "--pack", str(pack_copy), "-o", str(lesson_gift)])
    result = runner.invoke(args=["content", "import-gift", str(lesson_gift), "--lesson", "rest", "--pack", str(pack_copy)])
    assert result.exit_code == 0, result.output
    rest = {q.key: q for q in load_pack(pack_copy).lessons["rest"].questions}
    tcp = {q.key: q for q in load_pack(pack_copy).lessons["tcp"].questions}
    assert rest["reliable"].spec == tcp["reliable"].spec and rest["reliable"].revision == tcp["reliable"].revision


def test_two_imports_into_one_lesson_at_once_keep_both(pack_copy):
    """Each import reads, validates and writes under the lesson's lock: neither loses the other's questions."""
    def make(title):
        def questions(target):
            parsed = gift.parse(f"::{title}::Is {title} a question about REST?{{T}}\n", "t.gift")
            return [gift.to_pack(q, set(target.keys), target.topics, 1, target.vocabulary) for q in parsed.questions], []
        return questions

    barrier = threading.Barrier(4)
    errors = []

    def run(title):
        try:
            barrier.wait()
            append(pack_copy, "rest", make(title))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"thread {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    keys = {q.key for q in load_pack(pack_copy).lessons["rest"].questions}
    assert {f"thread-{n}" for n in range(4)} <= keys


def test_a_short_answer_with_an_arrow_is_skipped_not_misread():
    text = gift.export_question("arrow", "short_text", "Which operator?", "x", {"accepted": ["->>"]}, ["tcp"], 1)
    assert text.startswith("// skipped 'arrow': an accepted answer contains '->'")
    assert gift.parse(text, "x.gift").questions == []


SPECIALS = "~=#{}:\\[]%-> \t\n/$`*_ab"


@settings(max_examples=300, deadline=None)
@given(prompt=st.text(alphabet=st.sampled_from(SPECIALS) | st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cc")),
                      min_size=1, max_size=60),
       choices=st.lists(st.text(alphabet=st.sampled_from(SPECIALS[:-3]) | st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cc", "Zl", "Zp")),
                                min_size=1, max_size=20), min_size=2, max_size=6, unique_by=lambda t: t.strip()),
       explanation=st.text(alphabet=st.sampled_from(SPECIALS), min_size=1, max_size=40))
def test_any_text_survives_export_and_import(prompt, choices, explanation):
    """Property: whatever the characters, a question's texts come back exactly (as stored: stripped)."""
    prompt, explanation = prompt.strip(), explanation.strip()
    choices = [c.strip() for c in choices]
    assume(prompt and explanation and all(choices))
    spec = {"choices": [{"id": f"c{n}", "text": text, "correct": n == 0} for n, text in enumerate(choices)]}
    for kind in ("single", "multiple"):
        back = one(gift.export_question("k", kind, prompt, explanation, spec, ["tcp"], 1))
        assert (back.prompt, back.general_feedback) == (prompt, explanation)
        assert [a.text for a in back.answers] == choices
        assert [a.fraction > 0 for a in back.answers] == [n == 0 for n in range(len(choices))]
    accepted = [c for c in choices if "->" not in c]
    if accepted:
        back = one(gift.export_question("k", "short_text", prompt, explanation, {"accepted": accepted}, ["tcp"], 1))
        assert [a.text for a in back.answers] == accepted and back.prompt == prompt
