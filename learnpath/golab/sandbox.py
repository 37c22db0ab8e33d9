"""Run untrusted Go builds and programs inside bubblewrap, with limits for the whole run.

One run, from the outside in:

    prlimit (file size, core dumps, per-process CPU backstop)
      unshare --mount (a private mount namespace: everything mounted below vanishes with the run)
        sh STAGE2 as root: join the run's cgroups, mount a size-limited tmpfs, copy the files in,
                           mount the warm build cache as an overlay (lower read-only, upper on the tmpfs)
          setpriv --reuid/--regid 65534 --no-new-privs
            bwrap --unshare-all (empty network namespace: loopback only), uid/gid 65534, --cap-drop ALL,
                  --new-session (CVE-2017-5226), --die-with-parent, read-only /usr and toolchain,
                  synthetic /etc, a fresh /work and /tmp on the tmpfs, --clearenv
              sh SCRIPT: the go commands

Limits hold for the run, not per process: memory and pids (threads included) in a cgroup v1 per
run, CPU time summed over the cgroup (cpuacct), wall time, output bytes read; on any of them the
whole cgroup is killed. A machine where this cannot be set up gets SandboxUnavailable: the code is
never run without the sandbox.
"""
from __future__ import annotations

import fcntl
import itertools
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from learnpath.golab import toolchain

SANDBOX_UID = 65534  # nobody: owns nothing on the host
CGROUP_MOUNT = Path(os.environ.get("LEARNPATH_GO_CGROUP_MOUNT", "/sys/fs/cgroup"))
CONTROLLERS = ("memory", "pids", "cpuacct")
CACHE_HOME = Path(os.environ.get("LEARNPATH_GO_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "learnpath-golab")
STAGING_ROOT: Path | None = None  # where per-run staging folders go (None: the system temp dir)
_TOOLS = ("bwrap", "unshare", "setpriv", "prlimit", "mount")
_SH = "/bin/sh"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up here; Go code is refused rather than run without it."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 10.0
    cpu_seconds: float = 20.0          # summed over every process of the run (build included)
    memory_bytes: int = 1024 << 20     # the run's cgroup, tmpfs pages included
    pids: int = 256                    # processes and threads together
    disk_bytes: int = 256 << 20        # the run's tmpfs: sources, build cache writes, /tmp
    file_bytes: int = 64 << 20         # RLIMIT_FSIZE: one file
    output_bytes: int = 1 << 20        # stdout+stderr read before the run is killed


@dataclass
class SandboxResult:
    exit_code: int | None      # None when killed
    output: bytes              # at most limits.output_bytes
    killed: str | None         # None or "timeout" | "cpu" | "memory" | "pids" | "output"
    wall_seconds: float
    cpu_seconds: float
    memory_peak_bytes: int
    pids_limit_hit: bool


# --- availability -------------------------------------------------------------------------------

_available_lock = threading.Lock()
_available: str | None = None  # "" = ok, otherwise the reason
_available_at = 0.0
_RETRY_FAILED_PROBE_SECONDS = 60


def _cgroup_parent(controller: str) -> Path:
    """Runs nest right under this process's own cgroup (no shared folder left behind), so the host's limits on
    us still bound them."""
    own = "/"
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                own = path
    except OSError:
        pass
    base = CGROUP_MOUNT / controller
    candidate = base / own.lstrip("/")
    return candidate if candidate.is_dir() else base


def check_available() -> None:
    """Raise SandboxUnavailable with the reason unless every piece of the sandbox works here."""
    global _available, _available_at
    with _available_lock:
        stale = _available and time.monotonic() - _available_at > _RETRY_FAILED_PROBE_SECONDS
        if _available is None or stale:  # a failed probe is retried now and then (e.g. bwrap installed since)
            _available, _available_at = _probe(), time.monotonic()
    if _available:
        raise SandboxUnavailable(_available)


def _probe() -> str:
    if os.environ.get("LEARNPATH_GO_SANDBOX") == "off":
        return "the Go sandbox is switched off (LEARNPATH_GO_SANDBOX=off)"
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        return f"the Go sandbox needs {', '.join(missing)} (Debian: apt-get install bubblewrap util-linux mount)"
    if os.geteuid() != 0:
        return "the Go sandbox must be started as root (it creates cgroups and mounts, then drops to uid 65534)"
    for controller in CONTROLLERS:
        if not (CGROUP_MOUNT / controller).is_dir():
            return f"cgroup v1 controller '{controller}' is not mounted at {CGROUP_MOUNT / controller}"
    try:
        toolchain.goroot()
    except toolchain.ToolchainMissing as exc:
        return str(exc)
    try:
        result = run({"x": b""}, "test -r /work/x && echo sandbox-ok", Limits(wall_seconds=20), cache="none",
                     _probe_only=True)
    except (OSError, SandboxUnavailable) as exc:
        return f"the Go sandbox could not be started: {exc}"
    if b"sandbox-ok" not in result.output:
        return "the Go sandbox could not be started: " + result.output.decode(errors="replace")[-500:]
    return ""


# --- one run ------------------------------------------------------------------------------------

_run_ids = itertools.count()
CGROUP_PREFIX = "learnpath-go-run-"

# Runs as root inside the private mount namespace; arguments come positionally, never interpolated.
_STAGE2 = r"""
set -eu
mnt=$1 src=$2 lower=$3 disk=$4 uid=$5; shift 5
for procs in $CGROUP_PROCS; do echo $$ > "$procs"; done
mount -t tmpfs -o "size=$disk,mode=0755,nosuid,nodev" learnpath-go "$mnt"
mkdir "$mnt/work" "$mnt/tmp" "$mnt/upper" "$mnt/ovl" "$mnt/cache"
cp -R "$src/." "$mnt/work/"
if [ "$lower" = "-" ]; then :
elif [ "$lower" = "+" ]; then mount --bind "$CACHE_RW" "$mnt/cache"
else mount -t overlay overlay -o "lowerdir=$lower,upperdir=$mnt/upper,workdir=$mnt/ovl" "$mnt/cache"
fi
chown -R "$uid:$uid" "$mnt/work" "$mnt/tmp" "$mnt/upper"
[ "$lower" = "+" ] || chown "$uid:$uid" "$mnt/cache"
unset CGROUP_PROCS CACHE_RW
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs -- "$@"
"""

_PASSWD = "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"
_HOSTS = "127.0.0.1 localhost\n::1 localhost\n"


def sandbox_env(*, race: bool) -> dict[str, str]:
    """The whole environment inside: nothing of the application's."""
    return {
        "PATH": "/go/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "XDG_CONFIG_HOME": "/tmp/.config",
        "GOROOT": "/go", "GOCACHE": "/cache", "GOPATH": "/tmp/gopath", "GOTOOLCHAIN": "local",
        "GOPROXY": "off", "GOSUMDB": "off", "GOFLAGS": "-mod=readonly",
        # -race needs cgo (it links the TSan runtime with gcc); learner cgo is refused before the build.
        "CGO_ENABLED": "1" if race else "0",
        "GORACE": "atexit_sleep_ms=0",  # TSan otherwise sleeps 1 s at exit
        "LANG": "C.UTF-8",
    }


def _bwrap_argv(staging: Path, mnt: Path, env: dict[str, str], writable_cache: bool) -> list[str]:
    goroot = str(toolchain.goroot())
    argv = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "golab",
        "--cap-drop", "ALL", "--new-session", "--die-with-parent",
        "--ro-bind", "/usr", "/usr",
    ]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = os.readlink(f"/{link}") if os.path.islink(f"/{link}") else None
        if target:
            argv += ["--symlink", target, f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            argv += ["--ro-bind", f"/{link}", f"/{link}"]
    argv += ["--dir", "/etc"]
    for name in ("passwd", "group", "hosts"):
        argv += ["--ro-bind", str(staging / "etc" / name), f"/etc/{name}"]
    if os.path.exists("/etc/ld.so.cache"):  # the dynamic loader's index of /usr/lib/<triplet> (race binaries)
        argv += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    argv += [
        "--proc", "/proc", "--dev", "/dev",
        "--ro-bind", goroot, "/go",
        "--bind", str(mnt / "work"), "/work",
        "--bind", str(mnt / "tmp"), "/tmp",
        "--bind", str(mnt / "cache"), "/cache",
        "--ro-bind", str(staging / "run.sh"), "/run.sh",
        "--chdir", "/work", "--clearenv",
    ]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + [_SH, "/run.sh"]


class _Cgroups:
    """One cgroup per controller for one run; removed (after killing what is left) on close."""

    def __init__(self, name: str, limits: Limits):
        self.paths: dict[str, Path] = {}
        try:
            for controller in CONTROLLERS:
                path = _cgroup_parent(controller) / name
                path.mkdir()
                self.paths[controller] = path
            memory = self.paths["memory"]
            (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
            memsw = memory / "memory.memsw.limit_in_bytes"
            if memsw.exists():  # no swapping out of the limit
                memsw.write_text(str(limits.memory_bytes))
            (self.paths["pids"] / "pids.max").write_text(str(limits.pids))
        except OSError:
            self.close()
            raise

    @property
    def procs_files(self) -> str:
        return " ".join(str(path / "cgroup.procs") for path in self.paths.values())

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.paths["pids"] / "cgroup.procs").read_text().split()]
        except (OSError, KeyError):
            return []

    def cpu_seconds(self) -> float:
        try:
            return int((self.paths["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, KeyError, ValueError):
            return 0.0

    def memory_peak(self) -> int:
        try:
            return int((self.paths["memory"] / "memory.max_usage_in_bytes").read_text())
        except (OSError, KeyError, ValueError):
            return 0

    def _counter(self, controller: str, file: str, key: str) -> int:
        """One "key value" line of a cgroup file (memory.oom_control, pids.events); 0 if absent."""
        try:
            for line in (self.paths[controller] / file).read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        except (OSError, KeyError, ValueError):
            pass
        return 0

    def oom_killed(self) -> bool:
        return self._counter("memory", "memory.oom_control", "oom_kill") > 0

    def pids_limit_hit(self) -> bool:
        return self._counter("pids", "pids.events", "max") > 0

    def kill_all(self, deadline_seconds: float = 5.0) -> None:
        """SIGKILL every task until none is left (the pid namespace's init among them takes the rest)."""
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def close(self) -> None:
        self.kill_all()
        for path in self.paths.values():
            for _ in range(200):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY while the last task is being reaped
                    time.sleep(0.01)


def run(files: dict[str, bytes | str], script: str, limits: Limits = Limits(), *, race: bool = False,
        cache: str = "overlay", _probe_only: bool = False) -> SandboxResult:
    """Run `script` (sh) in /work holding `files`, inside the sandbox; output is stdout+stderr merged.

    cache: "overlay" (the warm cache as a read-only lower layer), "none" (an empty cache), or
    "write" (the warm cache itself, read-write: only for preparing it with trusted code).
    """
    if not _probe_only:
        check_available()
    lower = {"overlay": None, "none": "-", "write": "+"}[cache]
    if cache == "overlay":
        lower = str(warm_cache())
    staging = Path(tempfile.mkdtemp(prefix="learnpath-go-", dir=STAGING_ROOT))
    cgroups = None
    process = None
    started = time.monotonic()
    try:
        os.chmod(staging, 0o755)
        (staging / "src").mkdir()
        for name, content in files.items():
            parts = Path(name).parts
            if not parts or Path(name).is_absolute() or ".." in parts:
                raise ValueError(f"file name outside the work directory: {name!r}")
            path = staging / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        (staging / "etc").mkdir()
        (staging / "etc" / "passwd").write_text(_PASSWD)
        (staging / "etc" / "group").write_text(_GROUP)
        (staging / "etc" / "hosts").write_text(_HOSTS)
        (staging / "run.sh").write_text(script)
        mnt = staging / "mnt"
        mnt.mkdir()
        cgroups = _Cgroups(f"{CGROUP_PREFIX}{os.getpid()}-{next(_run_ids)}-{os.urandom(3).hex()}", limits)
        env = sandbox_env(race=race)
        argv = [
            "prlimit", f"--fsize={limits.file_bytes}", "--core=0", f"--cpu={int(limits.cpu_seconds) + 1}", "--",
            "unshare", "--mount", "--propagation", "private", "--",
            _SH, "-c", _STAGE2, "stage2", str(mnt), str(staging / "src"), lower, str(limits.disk_bytes), str(SANDBOX_UID),
            *_bwrap_argv(staging, mnt, env, cache == "write"),
        ]
        outer_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CGROUP_PROCS": cgroups.procs_files}
        if cache == "write":
            outer_env["CACHE_RW"] = str(_cache_dir_in_preparation())
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=outer_env, start_new_session=True, close_fds=True)
        output, killed = _collect(process, cgroups, limits, started)
        exit_code = None if killed else process.returncode
        wall = time.monotonic() - started
        if killed is None and cgroups.oom_killed():
            killed = "memory"
        pids_hit = cgroups.pids_limit_hit()
        return SandboxResult(exit_code=exit_code, output=output, killed=killed, wall_seconds=wall,
                             cpu_seconds=cgroups.cpu_seconds(), memory_peak_bytes=cgroups.memory_peak(),
                             pids_limit_hit=pids_hit)
    finally:
        if cgroups is not None:
            cgroups.kill_all()
        if process is not None:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
            if process.stdout:
                process.stdout.close()
        if cgroups is not None:
            cgroups.close()
        shutil.rmtree(staging, ignore_errors=True)


def _collect(process: subprocess.Popen, cgroups: _Cgroups, limits: Limits, started: float) -> tuple[bytes, str | None]:
    """Read output until EOF and exit; kill the run on the first limit crossed."""
    chunks: list[bytes] = []
    size = 0
    killed = None
    assert process.stdout is not None
    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    open_pipe = True
    try:
        while True:
            if open_pipe:
                for _ in selector.select(timeout=0.05):
                    try:
                        data = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        open_pipe = False
                        selector.unregister(fd)
                        break
                    room = limits.output_bytes - size
                    chunks.append(data[:room])
                    size += len(data)
                    if size > limits.output_bytes:
                        killed = "output"
            else:
                time.sleep(0.02)
            if killed is None:
                if time.monotonic() - started > limits.wall_seconds:
                    killed = "timeout"
                elif cgroups.cpu_seconds() > limits.cpu_seconds:
                    killed = "cpu"
            if killed:
                cgroups.kill_all()
                break
            if not open_pipe and process.poll() is not None:
                break
    finally:
        selector.close()
    return b"".join(chunks)[: limits.output_bytes], killed


# --- the warm build cache -----------------------------------------------------------------------

# A package that imports what exercises use, so that its vet facts are in the cache too.
_WARM_IMPORTS = (
    "bufio", "bytes", "container/heap", "container/list", "context", "crypto/sha256", "encoding/json",
    "errors", "fmt", "io", "iter", "log", "log/slog", "maps", "math", "math/rand/v2", "net/http",
    "net/http/httptest", "os", "reflect", "runtime", "slices", "sort", "strconv", "strings", "sync",
    "sync/atomic", "testing", "testing/synctest", "time", "unicode", "unicode/utf8",
)


def _warm_files() -> dict[str, str]:
    imports = "\n".join(f'\t_ "{name}"' for name in _WARM_IMPORTS)
    return {
        "go.mod": GO_MOD,
        "solution.go": f"package exercise\n\nimport (\n{imports}\n)\n\nfunc Add(a, b int) int {{ return a + b }}\n",
        "example_test.go": 'package exercise\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("Add")\n\t}\n}\n',
    }


GO_MOD = "module exercise\n\ngo 1.27\n"

# The same go commands as the runner's (runner._script), so that vet facts and test deps are cached too.
_WARM_SCRIPT = r"""
set -e
export CGO_ENABLED=0
go build std
go test -json -count=1 -vet=all -ldflags=-w . >/dev/null
export CGO_ENABLED=1
go build -race std
go test -json -count=1 -vet=all -ldflags=-w -race . >/dev/null
echo warm-ok
"""

_warm_lock = threading.Lock()


def _cache_root() -> Path:
    CACHE_HOME.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE_HOME, 0o700)  # the cache is owned by uid 65534: nobody else on the host may reach it
    return CACHE_HOME


def _cache_dir_in_preparation() -> Path:
    return _cache_root() / f"{toolchain.version()}.preparing"


def warm_cache(*, log=None) -> Path:
    """The read-only lower layer of every run's build cache: std (and race std) built once, in the sandbox,
    at the same paths as the runs so that the cache keys match. Prepared at first use (minutes), under a lock."""
    final = _cache_root() / toolchain.version()
    if (final / "READY").exists():
        return final
    with _warm_lock, open(_cache_root() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "READY").exists():
            return final
        preparing = _cache_dir_in_preparation()
        preparing.mkdir(exist_ok=True)
        os.chown(preparing, SANDBOX_UID, SANDBOX_UID)
        if log:
            log(f"preparing the Go build cache in {final} (std and race std; a few minutes, once)")
        limits = Limits(wall_seconds=3600, cpu_seconds=7200, memory_bytes=3 << 30, disk_bytes=2 << 30, pids=1024,
                        file_bytes=1 << 30, output_bytes=1 << 20)
        result = run(_warm_files(), _WARM_SCRIPT, limits, race=True, cache="write")
        if b"warm-ok" not in result.output:
            raise SandboxUnavailable("preparing the Go build cache failed: " + result.output.decode(errors="replace")[-2000:])
        shutil.rmtree(final, ignore_errors=True)
        preparing.rename(final)
        (final / "READY").write_text(toolchain.version() + "\n")
        return final


def prepare(log=None) -> None:
    """Check the sandbox and make sure the warm cache exists; SandboxUnavailable says why not."""
    check_available()
    warm_cache(log=log)


def default_limits(**overrides) -> Limits:
    return replace(Limits(), **overrides)
