"""The Go lab's sandbox against hostile code: each attack is contained within its limit + 2 s and leaves
nothing behind (no process, no cgroup, no mount, no staging file). Needs root, bubblewrap and cgroup v1
(CI has them); elsewhere these tests skip, except in CI where a missing sandbox is a failure."""
from __future__ import annotations

import os
import socket
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from learnpath.golab import runner, sandbox
from learnpath.golab.runner import Exercise, RunResult
from learnpath.golab.sandbox import Limits
from tests.golab_support import go_sandbox  # noqa: F401 - a fixture

ATTACK_TEST = textwrap.dedent("""\
    package exercise

    import "testing"

    func TestAttack(t *testing.T) {
    \tt.Log(Attack())
    }
    """)

LIMITS = Limits(wall_seconds=30, cpu_seconds=30, memory_bytes=768 << 20, pids=128, disk_bytes=128 << 20,
                file_bytes=32 << 20, output_bytes=1 << 20)


@pytest.fixture
def staging_root(monkeypatch):
    """Each test's own staging folder, so that 'nothing left behind' is checked on this test's runs only."""
    root = Path(tempfile.mkdtemp(prefix="golab-test-"))
    root.chmod(0o755)
    monkeypatch.setattr(sandbox, "STAGING_ROOT", root)
    yield root
    leftovers = list(root.iterdir())
    root.rmdir() if not leftovers else None
    assert not leftovers, f"staging files left behind: {leftovers}"


def _our_cgroups() -> list[Path]:
    found = []
    for controller in sandbox.CONTROLLERS:
        parent = sandbox._cgroup_parent(controller)
        if parent.is_dir():
            found += [p for p in parent.iterdir() if p.is_dir() and p.name.startswith(f"{sandbox.CGROUP_PREFIX}{os.getpid()}-")]
    return found


def _mounts() -> str:
    return Path("/proc/self/mounts").read_text()


def attack(code: str, limits: Limits = LIMITS, *, exercise: Exercise | None = None) -> RunResult:
    result = runner.run_exercise(exercise or Exercise(example_test=ATTACK_TEST), code, hidden=False, limits=limits)
    assert result.wall_seconds <= limits.wall_seconds + 2, f"not contained in time: {result.wall_seconds:.1f} s"
    assert not _our_cgroups(), "a cgroup (so maybe a process) was left behind"
    assert "learnpath-go" not in _mounts()
    return result


def go(body: str, imports: tuple[str, ...] = ()) -> str:
    imported = "".join(f'\t"{name}"\n' for name in imports)
    head = f"package exercise\n\nimport (\n{imported})\n\n" if imports else "package exercise\n\n"
    return head + textwrap.dedent(body)


pytestmark = pytest.mark.usefixtures("go_sandbox", "staging_root")


@pytest.mark.slow
def test_endless_loop_is_a_timeout():
    limits = Limits(**{**LIMITS.__dict__, "wall_seconds": 12})
    result = attack(go("func Attack() string {\n\tfor {\n\t}\n}\n"), limits)
    assert result.status == "timeout"


@pytest.mark.slow
def test_cpu_time_counts_every_process_of_the_run():
    """Four busy goroutines on two cores: the run's CPU limit (summed over the cgroup) stops it before the wall."""
    limits = Limits(**{**LIMITS.__dict__, "wall_seconds": 60, "cpu_seconds": 5})
    code = go("""\
        func Attack() string {
        \tfor i := 0; i < 4; i++ {
        \t\tgo func() {
        \t\t\tfor {
        \t\t\t}
        \t\t}()
        \t}
        \ttime.Sleep(time.Hour)
        \treturn ""
        }
        """, ("time",))
    result = attack(code, limits)
    assert result.status == "limit" and "CPU time" in result.output
    assert result.wall_seconds < 55


@pytest.mark.slow
def test_fork_and_exec_bomb_hits_the_process_limit():
    code = go("""\
        func Attack() string {
        \tfor i := 0; i < 10000; i++ {
        \t\tcmd := exec.Command("/bin/sh", "-c", "f() { f | f & }; f")
        \t\t_ = cmd.Start()
        \t}
        \ttime.Sleep(3 * time.Second)
        \treturn "done"
        }
        """, ("os/exec", "time"))
    result = attack(code, Limits(**{**LIMITS.__dict__, "wall_seconds": 15}))
    assert result.status in ("limit", "timeout", "failed")


@pytest.mark.slow
def test_memory_bomb_is_killed_at_the_memory_limit():
    code = go("""\
        var keep [][]byte

        func Attack() string {
        \tfor {
        \t\tb := make([]byte, 64<<20)
        \t\tfor i := range b {
        \t\t\tb[i] = 1
        \t\t}
        \t\tkeep = append(keep, b)
        \t}
        }
        """)
    result = attack(code)
    assert result.status == "limit" and "memory" in result.output


@pytest.mark.slow
def test_goroutine_bomb_is_contained():
    code = go("""\
        func Attack() string {
        \tblock := make(chan struct{})
        \tfor {
        \t\tgo func() { <-block }()
        \t}
        }
        """)
    result = attack(code, Limits(**{**LIMITS.__dict__, "wall_seconds": 15}))
    assert result.status in ("limit", "timeout")


def test_disk_filler_stops_at_the_tmpfs_size():
    code = go("""\
        func Attack() string {
        \tchunk := make([]byte, 1<<20)
        \tfor n := 0; ; n++ {
        \t\tf, err := os.Create(fmt.Sprintf("/tmp/fill-%d", n))
        \t\tif err != nil {
        \t\t\treturn "stopped: " + err.Error()
        \t\t}
        \t\tfor i := 0; i < 16; i++ {
        \t\t\tif _, err := f.Write(chunk); err != nil {
        \t\t\t\tf.Close()
        \t\t\t\treturn fmt.Sprintf("stopped after %d MiB: %v", n*16+i, err)
        \t\t\t}
        \t\t}
        \t\tf.Close()
        \t}
        }
        """, ("fmt", "os"))
    result = attack(code)
    assert "stopped" in result.output and ("no space left" in result.output or "file too large" in result.output)


def test_a_single_file_cannot_exceed_the_file_size_limit():
    code = go("""\
        func Attack() string {
        \tf, _ := os.Create("/tmp/big")
        \tchunk := make([]byte, 1<<20)
        \tfor i := 0; i < 100; i++ {
        \t\tif _, err := f.Write(chunk); err != nil {
        \t\t\treturn fmt.Sprintf("stopped at %d MiB: %v", i, err)
        \t\t}
        \t}
        \treturn "wrote 100 MiB"
        }
        """, ("fmt", "os"))
    result = attack(code)
    assert "stopped at 32 MiB: write /tmp/big: file too large" in result.output


def test_printing_100_mb_is_cut_at_the_output_limit():
    code = go("""\
        func Attack() string {
        \tline := strings.Repeat("x", 1023) + "\\n"
        \tfor i := 0; i < 100*1024; i++ {
        \t\tfmt.Print(line)
        \t}
        \treturn "printed"
        }
        """, ("fmt", "strings"))
    result = attack(code)
    assert result.status == "limit" and "printed more than 1024 KiB" in result.output
    assert len(result.output) < 2 * (1 << 20)


def test_etc_passwd_is_a_synthetic_one():
    code = go('func Attack() string {\n\tb, err := os.ReadFile("/etc/passwd")\n\treturn string(b) + fmt.Sprint(err)\n}\n',
              ("fmt", "os"))
    result = attack(code)
    assert result.status == "passed"
    assert "nobody:x:65534" in result.output
    host_users = {line.split(":")[0] for line in Path("/etc/passwd").read_text().splitlines()} - {"root", "nobody"}
    assert not any(f"{user}:x:" in result.output for user in host_users)


def test_the_app_database_and_host_files_are_not_there(tmp_path):
    database = tmp_path / "learnpath.sqlite"
    database.write_text("SECRET-DATABASE-CONTENT")
    instance = Path(__file__).resolve().parent.parent / "instance"
    code = go(f"""\
        func Attack() string {{
        \tout := ""
        \tfor _, p := range []string{{{str(database)!r}, {str(instance)!r}, "/root", "/work/../etc/shadow", "/etc/shadow"}} {{
        \t\tb, err := os.ReadFile(p)
        \t\tout += fmt.Sprintf("%s: %q %v\\n", p, b, err)
        \t}}
        \treturn out
        }}
        """.replace("'", '"'), ("fmt", "os"))
    result = attack(code)
    assert "SECRET-DATABASE-CONTENT" not in result.output
    assert "no such file or directory" in result.output


def test_no_application_environment_reaches_the_code(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CANARY_SECRET", "canary-5f1d2c")
    monkeypatch.setenv("SECRET_KEY", "canary-secret-key")
    code = go("""\
        func Attack() string {
        \tb, err := os.ReadFile("/proc/1/environ")
        \treturn strings.Join(os.Environ(), "\\n") + "\\n/proc/1/environ: " + string(b) + fmt.Sprint(err)
        }
        """, ("fmt", "os", "strings"))
    result = attack(code)
    assert "GOCACHE=/cache" in result.output
    assert "canary" not in result.output and "SECRET_KEY" not in result.output and "DATABASE_URL" not in result.output


def test_no_network_not_postgres_nor_the_app_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                pass

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        code = go(f"""\
            func Attack() string {{
            \tout := ""
            \tfor _, addr := range []string{{"127.0.0.1:5432", "127.0.0.1:{port}", "10.0.0.1:80", "1.1.1.1:53"}} {{
            \t\tc, err := net.DialTimeout("tcp", addr, time.Second)
            \t\tif err == nil {{
            \t\t\tc.Close()
            \t\t\tout += addr + " CONNECTED\\n"
            \t\t}} else {{
            \t\t\tout += addr + " " + err.Error() + "\\n"
            \t\t}}
            \t}}
            \treturn out
            }}
            """, ("net", "time"))
        result = attack(code)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert "CONNECTED" not in result.output
    assert "127.0.0.1:5432" in result.output and "refused" in result.output
    assert not accepted


def test_a_shell_runs_only_inside_as_nobody_on_a_read_only_system():
    marker = Path("/usr/golab-escape-marker")
    code = go("""\
        func Attack() string {
        \tout, err := exec.Command("/bin/sh", "-c", "id; touch /usr/golab-escape-marker /go/x; ls /; echo done").CombinedOutput()
        \treturn string(out) + fmt.Sprint(err)
        }
        """, ("fmt", "os/exec"))
    result = attack(code)
    assert "uid=65534(nobody)" in result.output and "Read-only file system" in result.output
    assert not marker.exists()
    assert "instance" not in result.output and "root" not in result.output.split("done")[0].split("\n", 2)[-1]


@pytest.mark.parametrize("imports", ['import "C"', 'import (\n\t"fmt"\n\t"C"\n)', 'import _ "C"', 'import/*x*/"C"'])
def test_cgo_is_refused_before_any_build(imports):
    code = f'package exercise\n\n/*\n#include <stdlib.h>\n*/\n{imports}\n\nfunc Attack() string {{ return "" }}\n'
    with pytest.raises(runner.CodeRefused, match="cgo"):
        runner.run_exercise(Exercise(example_test=ATTACK_TEST), code, hidden=False, limits=LIMITS)


def test_a_comment_or_string_mentioning_import_c_is_not_cgo():
    assert runner.refuse_reason('package exercise\n\n// import "C"\nimport "fmt"\n\nvar s = `import "C"`\n') is None
    assert runner.imported_paths('package exercise\n/* import "C" */\nimport (\n\tf "fmt"\n\t_ "C"\n)\nimport "os"\n') == ["fmt", "C", "os"]


@pytest.mark.slow
def test_cgo_smuggled_past_the_check_is_still_contained():
    """Even with cgo on (race runs), C code built by the learner runs as nobody in the same sandbox."""
    code = 'package exercise\n\n// #include <unistd.h>\nimport "C"\nimport "fmt"\n\nfunc Attack() string { return fmt.Sprint("uid=", C.getuid()) }\n'
    files = {"go.mod": sandbox.GO_MOD, "solution.go": code, "example_test.go": ATTACK_TEST}
    result = sandbox.run(files, "go test -race -v -count=1 . 2>&1", LIMITS, race=True)
    assert result.wall_seconds <= LIMITS.wall_seconds + 2
    assert b"uid=65534" in result.output, result.output[-2000:]
    assert not _our_cgroups()


def test_unsafe_pointer_tricks_crash_only_the_test_binary():
    code = go("""\
        func Attack() string {
        \tp := (*int)(unsafe.Add(unsafe.Pointer(nil), 0xdeadbeef))
        \t*p = 42
        \treturn "wrote"
        }
        """, ("unsafe",))
    result = attack(code)
    assert result.status == "failed"
    assert "wrote" not in result.output and ("segmentation violation" in result.output or "fault" in result.output)


def test_vet_flags_the_plain_uintptr_to_pointer_trick():
    code = go("func Attack() string {\n\tp := (*int)(unsafe.Pointer(uintptr(0xdeadbeef)))\n\t*p = 42\n\treturn \"\"\n}\n",
              ("unsafe",))
    result = attack(code)
    assert result.status == "compile_error" and "unsafe.Pointer" in result.output


def test_go_generate_directives_are_not_run():
    code = go('//go:generate sh -c "echo PWNED > /work/pwned"\n\nfunc Attack() string {\n\t_, err := os.Stat("/work/pwned")\n\treturn fmt.Sprint(err)\n}\n',
              ("fmt", "os"))
    result = attack(code)
    assert result.status == "passed" and "no such file" in result.output


def test_a_module_requirement_is_refused_offline():
    exercise = Exercise(example_test=ATTACK_TEST, extra_files={
        "go.mod": "module exercise\n\ngo 1.27\n\nrequire github.com/pkg/errors v0.9.1\n"})
    code = go('func Attack() string { return errors.New("x").Error() }\n', ("github.com/pkg/errors",))
    result = attack(code, exercise=exercise)
    assert result.status == "compile_error"
    assert "github.com/pkg/errors" in result.output


def test_an_import_of_a_module_without_go_mod_is_a_compile_error():
    result = attack(go('func Attack() string { return uuid.NewString() }\n', ("github.com/google/uuid",)))
    assert result.status == "compile_error" and "github.com/google/uuid" in result.output


def test_planted_symlinks_resolve_inside_the_sandbox_and_vanish(staging_root):
    code = go("""\
        func Attack() string {
        \tout := ""
        \tfor name, target := range map[string]string{"/work/up": "../../../../..", "/work/shadow": "/etc/shadow",
        \t\t"/tmp/root": "/", "/work/staging": "STAGING"} {
        \t\tif err := os.Symlink(target, name); err != nil {
        \t\t\tout += err.Error() + "\\n"
        \t\t}
        \t}
        \tentries, _ := os.ReadDir("/work/up")
        \tfor _, e := range entries {
        \t\tout += "up/" + e.Name() + "\\n"
        \t}
        \t_, err := os.ReadFile("/work/shadow")
        \tout += fmt.Sprint(err) + "\\n"
        \t_, err = os.ReadDir("/work/staging")
        \treturn out + fmt.Sprint(err)
        }
        """.replace("STAGING", str(staging_root)), ("fmt", "os"))
    result = attack(code)
    assert result.status == "passed"
    assert "up/work" in result.output and "up/home" not in result.output and "up/root" not in result.output
    assert "no such file or directory" in result.output


def test_compile_errors_point_at_lines_of_solution_go():
    result = attack("package exercise\n\nfunc Attack() string {\n\treturn undefinedThing\n}\n")
    assert result.status == "compile_error"
    assert [(d.line, d.column) for d in result.diagnostics] == [(4, 9)]
    assert "solution.go:4:9: undefined: undefinedThing" in result.output
    assert "/work" not in result.output


def test_sandbox_refuses_when_it_cannot_be_set_up(monkeypatch):
    monkeypatch.setattr(sandbox, "_available", None)
    monkeypatch.setenv("LEARNPATH_GO_SANDBOX", "off")
    with pytest.raises(sandbox.SandboxUnavailable, match="switched off"):
        runner.run_exercise(Exercise(example_test=ATTACK_TEST), go('func Attack() string { return "" }\n'),
                            hidden=False, limits=LIMITS)
    monkeypatch.setattr(sandbox, "_available", None)
    monkeypatch.delenv("LEARNPATH_GO_SANDBOX")
    monkeypatch.setattr(sandbox, "_TOOLS", ("bwrap-not-installed",))
    with pytest.raises(sandbox.SandboxUnavailable, match="bwrap-not-installed"):
        sandbox.check_available()
    monkeypatch.setattr(sandbox, "_available", None)
