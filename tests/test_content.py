"""Content packs: parsing, every validation error (with file and line), import semantics."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from learnpath.content import importer as importer_module
from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import Course, CourseLesson, Lesson, Question


def test_fixture_pack_parses():
    pack = load_pack(Path(__file__).parent / "fixtures" / "pack")
    assert [c.slug for c in pack.courses] == ["net-basics", "api-course"]
    tcp = pack.lessons["tcp"]
    assert [q.kind for q in tcp.questions] == ["ordering", "multiple", "short_text", "numeric"]
    assert tcp.questions[0].line == 26  # the line of '- id: handshake' in lessons/tcp.md


def _problems(pack_dir: Path) -> list[str]:
    with pytest.raises(PackError) as exc:
        load_pack(pack_dir)
    return [str(p) for p in exc.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("file, old, new, expected", [
    ("lessons/packets.md", "- {id: dec, text: \"Decrements it by one\", correct: true}", "- {id: dec, text: \"Decrements it by one\"}",
     "lessons/packets.md:20: question 'ttl': a single-choice question needs exactly one correct choice (found 0)"),
    ("lessons/packets.md", "  kind: single", "  kind: essay",
     "lessons/packets.md:17: question 'ttl': 'kind' must be one of"),
    ("lessons/packets.md", "  difficulty: 1\n- id: independent", "  difficulty: 7\n- id: independent",
     "lessons/packets.md:25: question 'ttl': 'difficulty' must be 1, 2 or 3"),
    ("lessons/packets.md", "  topics: [networking]\n  difficulty: 1\n- id: independent", "  topics: [astrology]\n  difficulty: 1\n- id: independent",
     "lessons/packets.md:24: question 'ttl': unknown topic 'astrology'"),
    ("lessons/packets.md", "  explanation: Each hop", "  explanatio: Each hop",
     "lessons/packets.md:23: question 'ttl': unknown field 'explanatio'"),
    ("lessons/packets.md", "- id: independent", "- id: ttl",
     "lessons/packets.md:26: question id 'ttl' is used twice (first at line 16)"),
    ("lessons/packets.md", "  answer: true", "  answer: maybe",
     "lessons/packets.md:29: question 'independent': 'answer' must be true or false"),
    ("lessons/packets.md", "slug: packets", "slug: packet",
     "lessons/packets.md:2: slug 'packet' must equal the file name 'packets'"),
    ("lessons/packets.md", "title: How packets travel\n", "",
     "lessons/packets.md:2: front matter: 'title' is required"),
    ("lessons/packets.md", "See [TCP](lesson:tcp)", "See [TCP](lesson:tpc)",
     "lessons/packets.md:9: link to unknown lesson 'lesson:tpc'"),
    ("lessons/packets.md", "  prompt: Packets of one flow", "  prompt: [unclosed",
     "lessons/packets.md:29: invalid YAML"),
    ("lessons/tcp.md", "  tolerance: 0", "  tolerance: -1",
     "lessons/tcp.md:58: question 'rtt': 'tolerance' must be a number >= 0"),
    ("lessons/tcp.md", "  accepted: [TCP, Transmission Control Protocol]", "  accepted: []",
     "lessons/tcp.md:50: question 'port': 'accepted' must be a non-empty list of answers"),
    ("lessons/tcp.md", "    - {id: ack, text: \"Client sends `ACK`\"}\n", "",
     "lessons/tcp.md:30: question 'handshake': 'items' must be a list of 3-10 entries"),
    ("lessons/tcp.md", "    - {id: acks, text: Acknowledgements, correct: true}", "    - {id: seq, text: Acknowledgements, correct: true}",
     "lessons/tcp.md:41: question 'reliable': duplicate choice id 'seq'"),
    ("catalog.yaml", "lessons: [packets, tcp]", "lessons: [packets, tcp, ghost]",
     "catalog.yaml:9: course 'net-basics': no lesson file lessons/ghost.md"),
    ("catalog.yaml", "pass_mark: 60", "pass_mark: 160",
     "catalog.yaml:8: course 'net-basics': 'pass_mark' must be a whole percentage from 1 to 100"),
    ("catalog.yaml", "      - slug: api-course", "      - slug: net-basics",
     "catalog.yaml:13: course slug 'net-basics' is used twice"),
    ("topics.yaml", "rest: REST", "rest: REST\ntcp: again",
     "topics.yaml:4: duplicate key 'tcp'"),
])
def test_validation_errors_name_file_and_line(pack_copy, file, old, new, expected):
    _edit(pack_copy / file, old, new)
    problems = _problems(pack_copy)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once(pack_copy):
    _edit(pack_copy / "lessons/packets.md", "  kind: single", "  kind: essay")
    _edit(pack_copy / "lessons/tcp.md", "  tolerance: 0", "  tolerance: -1")
    files = {p.split(":")[0] for p in _problems(pack_copy)}
    assert files == {"lessons/packets.md", "lessons/tcp.md"}


def test_orphan_lesson_and_bad_encoding(pack_copy):
    (pack_copy / "lessons/orphan.md").write_text("---\nslug: orphan\ntitle: O\nsummary: S\ntopics: [tcp]\n---\nBody\n")
    (pack_copy / "lessons/binary.md").write_bytes(b"---\n\xff\xfe\n---\n")
    problems = _problems(pack_copy)
    assert "lessons/orphan.md:2: lesson 'orphan' is in no course of catalog.yaml" in problems
    assert any(p.startswith("lessons/binary.md:1: not valid UTF-8") for p in problems)


def test_cli_validate_reports_and_changes_nothing(runner, pack_copy, ctx):
    result = runner.invoke(args=["content", "validate", str(pack_copy)])
    assert result.exit_code == 0 and "OK - 2 tracks, 2 courses, 3 lessons, 8 questions" in result.output
    _edit(pack_copy / "lessons/packets.md", "  kind: single", "  kind: essay")
    before = db.session.scalar(sa.select(sa.func.count(Question.id)))
    result = runner.invoke(args=["content", "validate", str(pack_copy)])
    assert result.exit_code == 1
    assert "lessons/packets.md:17:" in result.output and "nothing was changed" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == before


def test_import_round_trip(ctx):
    tcp = db.session.scalar(sa.select(Lesson).filter_by(slug="tcp"))
    assert tcp.title == "TCP: reliable streams" and tcp.question_count == 4
    assert [t.slug for t in tcp.topics] == ["networking", "tcp"]
    assert '<h2 id="why-it-matters">' in tcp.body_html and 'class="highlight"' in tcp.body_html
    assert 'href="#the-handshake"' in tcp.toc_html and 'href="#sequence-numbers"' in tcp.toc_html
    packets = db.session.scalar(sa.select(Lesson).filter_by(slug="packets"))
    assert 'href="/lessons/tcp"' in packets.body_html
    rest = db.session.scalar(sa.select(Lesson).filter_by(slug="rest"))
    assert "<script" not in rest.body_html and "javascript:" not in rest.body_html
    # one lesson, two courses
    courses = db.session.scalars(sa.select(Course.slug).join(CourseLesson).where(CourseLesson.lesson_id == tcp.id))
    assert sorted(courses) == ["api-course", "net-basics"]
    assert tcp.read_minutes >= 1


def test_second_import_changes_nothing(runner, ctx):
    from tests.conftest import FIXTURE_PACK

    result = runner.invoke(args=["content", "import", str(FIXTURE_PACK)])
    assert result.exit_code == 0 and "no changes" in result.output


def test_edit_updates_in_place_and_keeps_ids(pack_copy, ctx):
    before = {q.key: (q.id, q.revision) for q in db.session.scalars(sa.select(Question))}
    _edit(pack_copy / "lessons/packets.md", "What does a router do to the TTL", "What does each router do to the TTL")
    _edit(pack_copy / "lessons/packets.md", "IP routes each packet independently.", "IP routes every packet on its own.")
    report = import_pack(load_pack(pack_copy))
    assert report.updated["lessons"] == 1 and report.updated["questions"] == 2 and not report.created
    after = {q.key: (q.id, q.revision) for q in db.session.scalars(sa.select(Question))}
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert after["ttl"][1] != before["ttl"][1]              # graded part changed: new revision
    assert after["independent"][1] == before["independent"][1]  # explanation only: same revision


def test_removed_question_and_lesson_are_retired_not_deleted(pack_copy, ctx):
    text = (pack_copy / "lessons/tcp.md").read_text()
    (pack_copy / "lessons/tcp.md").write_text(text[:text.index("- id: port")])
    (pack_copy / "lessons/rest.md").unlink()
    _edit(pack_copy / "catalog.yaml", "lessons: [tcp, rest]", "lessons: [tcp]")
    report = import_pack(load_pack(pack_copy))
    assert report.retired == {"questions": 2, "lessons": 1}
    port = db.session.scalar(sa.select(Question).filter_by(key="port"))
    assert port.retired
    rest = db.session.scalar(sa.select(Lesson).filter_by(slug="rest"))
    assert rest.retired
    # putting it back restores it
    from tests.conftest import FIXTURE_PACK
    report = import_pack(load_pack(FIXTURE_PACK))
    db.session.refresh(rest)
    assert not rest.retired and not db.session.scalar(sa.select(Question).filter_by(key="port")).retired


def test_failing_import_leaves_database_exactly_as_before(pack_copy, ctx, monkeypatch):
    def snapshot():
        return (
            [(l.slug, l.title, l.retired, l.source_hash) for l in db.session.scalars(sa.select(Lesson).order_by(Lesson.slug))],
            [(q.key, q.revision, q.retired) for q in db.session.scalars(sa.select(Question).order_by(Question.key))],
        )

    before = snapshot()
    _edit(pack_copy / "lessons/packets.md", "title: How packets travel", "title: Packets, edited")
    _edit(pack_copy / "lessons/tcp.md", "title: \"TCP: reliable streams\"", "title: TCP edited")
    calls = {"n": 0}
    real = importer_module.render_markdown

    def explode_on_second(source):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(source)

    monkeypatch.setattr(importer_module, "render_markdown", explode_on_second)
    with pytest.raises(RuntimeError):
        import_pack(load_pack(pack_copy))
    db.session.expire_all()
    assert snapshot() == before


def test_parse_cache_is_content_addressed(pack_copy, tmp_path):
    cache = tmp_path / "cache.pickle"
    first = load_pack(pack_copy, cache_path=cache)
    assert cache.exists()
    again = load_pack(pack_copy, cache_path=cache)
    assert {s: (l.title, [q.revision for q in l.questions]) for s, l in again.lessons.items()} == \
        {s: (l.title, [q.revision for q in l.questions]) for s, l in first.lessons.items()}
    _edit(pack_copy / "lessons/packets.md", "What does a router do to the TTL", "What does a router do with the TTL")
    edited = load_pack(pack_copy, cache_path=cache)
    assert edited.lessons["packets"].questions[0].prompt.startswith("What does a router do with the TTL")
    _edit(pack_copy / "lessons/packets.md", "  kind: single", "  kind: essay")
    with pytest.raises(PackError):  # a cached good parse never hides a new problem
        load_pack(pack_copy, cache_path=cache)
    cache.write_bytes(b"not a pickle")
    _edit(pack_copy / "lessons/packets.md", "  kind: essay", "  kind: single")
    assert load_pack(pack_copy, cache_path=cache).lessons["packets"]


def test_parse_cache_written_by_another_parser_version_is_not_used(pack_copy, tmp_path, monkeypatch):
    from learnpath.content import pack as pack_module

    cache = tmp_path / "cache.pickle"
    load_pack(pack_copy, cache_path=cache)
    real_parse = pack_module.parse_lesson

    def changed_parser(*args, **kwargs):
        lesson = real_parse(*args, **kwargs)
        lesson.title = "Parsed by the new code"
        return lesson

    monkeypatch.setattr(pack_module, "parse_lesson", changed_parser)
    # same parser version: the cache answers (so the next assertion is about the version, not a miss)
    assert load_pack(pack_copy, cache_path=cache).lessons["tcp"].title == "TCP: reliable streams"
    monkeypatch.setattr(pack_module, "parser_version", lambda: "a-newer-parser")
    assert load_pack(pack_copy, cache_path=cache).lessons["tcp"].title == "Parsed by the new code"


def test_parser_version_covers_the_parser_source():
    from learnpath.content import pack as pack_module

    hashed = {path.name for package in pack_module.PARSER_PACKAGES
              for path in (Path(pack_module.__file__).parent.parent / package).rglob("*.py")}
    assert {"pack.py", "grading.py"} <= hashed
    assert len(pack_module.parser_version()) == 16
