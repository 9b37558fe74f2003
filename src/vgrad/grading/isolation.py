"""Where a submission's code runs: an operating-system sandbox, one per submission.

Two levels, chosen once per grading run by ``detect()`` and named in every report:

- **full** — bubblewrap (``bwrap``, what Flatpak uses): the submission gets its own PID namespace (it
  cannot see or signal the grader or another submission, and ending the namespace's first process
  ends every descendant, ``setsid`` or not), its own network (none), IPC and UTS namespaces, and a
  filesystem where only the system, the Python installation and a copy of the course package are
  visible, all read-only, with one small private tmpfs to write in. The course's source tree,
  ``solutions/``, the other submissions and the instructor's files are not mounted at all; the copy
  of the package has every protected reference of the notebook being graded removed (``stage``).
  As root the code runs as an unprivileged uid of its own; where the cgroup tree is writable, a
  memory cgroup (which counts memfds, shared memory and tmpfs pages) and a pids cgroup bound it too.
- **reduced** — where bubblewrap cannot run: a plain process with resource limits; as root, still an
  unprivileged uid of its own per concurrent submission (every process of that uid is killed after
  grading); otherwise the grader's own user. See lessons/grading.md for what each level guarantees.
"""
import ast
import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import vgrad

from ..exercises.runner import REMOVED, protected_in, removal_message
from .notebook_file import parse

MOUNT = "/opt/vgrad-sandbox"  # where the package copy appears inside a full sandbox
SCRATCH_MB = 64  # the writable tmpfs of a full sandbox (also its HOME)
UID_BASE = 64_100  # as root, submission k of those running at once runs as uid UID_BASE + k
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@dataclass(frozen=True)
class Level:
    name: str  # "full" or "reduced"
    detail: str  # one line: what this level consists of here
    own_uid: bool = False  # as root: each submission runs as an unprivileged uid of its own

    def __str__(self):
        return f"isolation: {self.name} ({self.detail})"


# ---- which level this machine gives -----------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def detect(allow_full=True):
    """The best isolation this machine gives, tried for real once per process."""
    root = os.geteuid() == 0
    memory = _cgroup_parents() is not None
    if allow_full and shutil.which("bwrap"):
        probe = _probe(_bwrap_command(None, [sys.executable, "-I", "-c", "pass"]))
        if probe is None:
            who = "an unprivileged uid" if root else "the grader's uid mapped into a user namespace"
            limits = "memory, pids and CPU cgroups" if memory else "resource limits (no writable cgroup tree)"
            return Level("full", f"bubblewrap namespaces, read-only system, {who}, {limits}", own_uid=root)
        reason = f"bubblewrap does not run here: {probe}"
    else:
        reason = "bubblewrap is not installed" if allow_full else "full isolation switched off"
    if not root:
        return Level("reduced", f"{reason}; a separate process with resource limits, as the grader's own user")
    cannot = _probe([sys.executable, "-I", "-c", "pass"], user=UID_BASE - 1, group=UID_BASE - 1, extra_groups=[])
    if cannot is None:
        return Level("reduced", f"{reason}; a separate process with resource limits, an unprivileged uid "
                     "per submission", own_uid=True)
    return Level("reduced", f"{reason}; a separate process with resource limits, as root (an unprivileged "
                 f"uid cannot run this Python: {cannot})")


def refusal(level, asked):
    """Why grading must not go ahead at ``level`` (as ``asked``: auto, full or reduced), or ''.
    Running submissions as root with no sandbox would hand them the machine: that needs the
    explicit --isolation reduced."""
    if asked == "full" and level.name != "full":
        return f"not graded: full isolation is not available here ({level.detail})"
    if asked == "auto" and level.name == "reduced" and os.geteuid() == 0 and not level.own_uid:
        return ("not graded: as root without bubblewrap, submissions would run as root. Install bubblewrap "
                "(apt install bubblewrap), or put Python where an unprivileged user can run it, or pass "
                "--isolation reduced to accept this")
    return ""


def _probe(cmd, **kwargs):
    """None when ``cmd`` runs and exits 0, else a one-line reason."""
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=60, cwd="/", **kwargs)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    if done.returncode == 0:
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1][:120] if lines else f"exit status {done.returncode}"


# ---- the package as a submission sees it ---------------------------------------------------------------

_stage_root = None
_stage_lock = threading.Lock()


def stage(exercises):
    """A read-only copy of the ``vgrad`` package for grading ``exercises`` (one notebook's): its
    exercise registry is gone (a stub ``check`` remains), the grader keeps only the sandbox's own
    modules, and every protected course function — the references and what computes the same
    answer — raises "write this one yourself" instead. Returns the folder that holds ``vgrad/``."""
    key = tuple(sorted(ex.name for ex in exercises))
    with _stage_lock:
        global _stage_root
        if _stage_root is None:
            _stage_root = Path(tempfile.mkdtemp(prefix="vgrad-stage-"))
            os.chmod(_stage_root, 0o755)
            atexit.register(shutil.rmtree, _stage_root, True)
        target = _stage_root / str(abs(hash(key)))
        if not target.exists():
            _build_stage(target, exercises)
    return target


def _build_stage(target, exercises):
    source = Path(vgrad.__file__).resolve().parent
    building = target.with_name(target.name + ".tmp")
    package = building / "vgrad"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in (package / "exercises").glob("ch*.py"):  # references, answers and case generators
        path.write_text(_CHAPTER_STUB.format(module=f"vgrad.exercises.{path.stem}", removed=REMOVED))
    (package / "exercises" / "__init__.py").write_text(_EXERCISES_STUB)
    for path in (package / "grading").iterdir():
        if path.name not in ("__init__.py", "sandbox.py", "wire.py"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for module, qualnames in _protected_by_module(exercises).items():
        path = package.joinpath(*module.split(".")[1:]).with_suffix(".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        path.write_text(_remove_functions(path.read_text(), qualnames))
    shutil.copytree(_font_cache(), building / "mplconfig")
    for path in [building, *building.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    building.rename(target)


@functools.lru_cache(maxsize=None)
def _font_cache():
    """Matplotlib's font list, built once per grading run (under the stage lock) so that each
    sandbox copies it instead of spending a second scanning the system's fonts."""
    folder = _stage_root / "mplconfig"
    env = {**SANDBOX_ENV, "HOME": str(folder), "MPLCONFIGDIR": str(folder)}
    subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"], env=env, cwd="/",
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    folder.mkdir(exist_ok=True)
    return folder


_EXERCISES_STUB = '''"""While a submission is graded, the exercises are not here: the grader tests each function itself."""


def check(fn, name=None):
    print("(check does not run during grading: the grader tests your functions itself)")


def ready(fn, name=None):
    return False
'''


_CHAPTER_STUB = '''"""While a submission is graded, this chapter's exercises are not here: whatever is imported from it
raises, as the protected functions do."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)

    def removed(*args, **kwargs):
        raise RuntimeError("{module}." + name + " {removed}: write your own version")

    return removed
'''


def _protected_by_module(exercises):
    """{module: {qualname: (function, exercise)}} for the functions that the notebooks of
    ``exercises`` protect (``runner.protected_in``: one rule for the notebook and the grader) and
    that live outside the registry."""
    found = {}
    for notebook in {ex.notebook for ex in exercises}:
        for fn, ex in protected_in(notebook).items():
            module = getattr(fn, "__module__", "") or ""
            if module.startswith("vgrad.") and not module.startswith("vgrad.exercises"):
                found.setdefault(module, {})[fn.__qualname__] = (fn, ex)
    return found


def _remove_functions(text, qualnames):
    """``text`` with the body of each function named in ``qualnames`` (``f`` or ``Class.method``)
    replaced by a ``raise`` that tells the learner to write it themselves."""
    lines = text.splitlines(keepends=True)
    edits = []

    def visit(body, prefix):
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and prefix + node.name in qualnames:
                fn, ex = qualnames[prefix + node.name]
                first = node.body[0]
                indent = " " * first.col_offset
                message = removal_message(fn, ex)
                edits.append((first.lineno - 1, node.end_lineno, f"{indent}raise RuntimeError({message!r})\n"))

    visit(parse(text).body, "")
    if len(edits) != len(qualnames):  # a protected function was renamed or moved: fail loudly
        raise RuntimeError(f"protected functions not all found in the package copy: {sorted(qualnames)}")
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start:end] = [replacement]
    return "".join(lines)


# ---- starting and ending one sandbox ------------------------------------------------------------------

class _UidPool:
    """As root, each submission running at once gets its own uid, so that after grading every
    process of that uid can be killed without touching anyone else's."""

    def __init__(self):
        self._free, self._next, self._lock = [], UID_BASE, threading.Lock()

    def take(self):
        with self._lock:
            if self._free:
                return self._free.pop()
            self._next += 1
            return self._next - 1

    def give_back(self, uid):
        with self._lock:
            self._free.append(uid)


_uids = _UidPool()


@functools.lru_cache(maxsize=None)
def _cgroup_parents():
    """{controller: folder} under which this process may create cgroups (memory and pids, and cpu
    where there is one), or None. cgroup v2 (one tree) or v1 (a tree per controller), whichever
    is writable: detected, not assumed."""
    base = Path("/sys/fs/cgroup")
    for v2 in (base, base / "unified"):
        try:
            controllers = set((v2 / "cgroup.controllers").read_text().split())
        except OSError:
            continue
        if {"memory", "pids"} <= controllers and os.access(v2, os.W_OK):
            return {c: v2 for c in ("memory", "pids", "cpu") if c in controllers}
    found = {c: base / c for c in ("memory", "pids", "cpu") if os.access(base / c / "cgroup.procs", os.W_OK)}
    return found if {"memory", "pids"} <= set(found) else None


class Cgroups:
    """Memory (counting memfds, shared memory and tmpfs pages), pids (processes and threads) and
    CPU (one core) limits for one sandbox, where the cgroup tree is writable; ``remove`` cleans up."""

    def __init__(self, memory_mb, processes):
        self.dirs = []
        parents = _cgroup_parents()
        if parents is None:
            return
        name = f"vgrad-{os.getpid()}-{threading.get_ident()}"
        try:
            for parent in dict.fromkeys(parents.values()):  # one folder for all on cgroup v2
                (parent / name).mkdir(exist_ok=True)
                self.dirs.append(parent / name)
            memory, pids = parents["memory"] / name, parents["pids"] / name
            limit = str(memory_mb << 20)
            if (memory / "memory.max").exists():  # v2
                _write_if_there(memory / "memory.max", limit)
                _write_if_there(memory / "memory.swap.max", "0")
                _write_if_there(memory / "cpu.max", "100000 100000")
            else:  # v1
                (memory / "memory.limit_in_bytes").write_text(limit)
                _write_if_there(memory / "memory.memsw.limit_in_bytes", limit)
                if "cpu" in parents:
                    _write_if_there(parents["cpu"] / name / "cpu.cfs_quota_us", "100000")
            (pids / "pids.max").write_text(str(processes))
        except OSError:
            self.remove()
            self.dirs = []

    def procs_files(self):
        return [str(d / "cgroup.procs") for d in self.dirs]

    def remove(self):
        for path in self.dirs:
            for _ in range(50):  # a cgroup can be removed once its last process is gone
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    _kill_cgroup(path)
                    threading.Event().wait(0.02)


def _write_if_there(path, text):
    if path.exists():
        path.write_text(text)


def _kill_cgroup(path):
    try:
        for pid in (path / "cgroup.procs").read_text().split():
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, PermissionError, ValueError):
                pass
    except OSError:
        pass


def _bwrap_command(stage_dir, argv, uid=None, env=None):
    """The bwrap command line that runs ``argv`` in a full sandbox, with only ``env`` as environment."""
    cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
           "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        cmd.append("--unshare-user")
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            cmd += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            cmd += ["--ro-bind", d, d]
    # the private tmpfs first: a Python or venv that lives under /tmp is bound on top of it
    cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(SCRATCH_MB << 20), "--tmpfs", "/tmp"]
    mounted, made = [Path(d) for d in SYSTEM_DIRS], {Path("/tmp")}
    for prefix in dict.fromkeys(Path(p).resolve() for p in (sys.base_prefix, sys.prefix)):
        if not any(prefix == m or m in prefix.parents for m in mounted):
            cmd += _parents(prefix, made) + ["--ro-bind", str(prefix), str(prefix)]
            mounted.append(prefix)
    installed = Path(vgrad.__file__).resolve().parent  # the real package: hidden if it lies in a mount
    if any(m in installed.parents for m in mounted):
        cmd += ["--tmpfs", str(installed)]
    cmd += ["--chdir", "/tmp", "--clearenv"]
    for name, value in (env or {}).items():
        cmd += ["--setenv", name, value]
    if stage_dir is not None:
        cmd += _parents(Path(MOUNT), made) + ["--ro-bind", str(stage_dir), MOUNT]
    if os.geteuid() == 0:  # namespaces are set up as root; the code itself runs as a uid of its own
        uid = UID_BASE - 1 if uid is None else uid
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
    else:
        cmd.append("--")
    return cmd + list(argv)


def _parents(path, made):
    """bwrap options that create the missing parents of a mount point, readable by everyone
    (bwrap would make them 0700, which an unprivileged uid cannot enter)."""
    options = []
    for parent in reversed(path.parents[:-1]):
        if parent not in made and not os.path.islink(parent) and str(parent) not in SYSTEM_DIRS:
            options += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
    return options


SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONHASHSEED": "0", "MPLCONFIGDIR": "/tmp/matplotlib"}


class Sandbox:
    """One running sandbox: ``proc`` (its stdin a pipe), started by ``start`` and ended by ``stop``,
    which kills every process it started, whatever they did, and removes what it left."""

    def __init__(self, level, stage_dir, result_fd, memory_mb, processes):
        self.level, self.uid, self.cgroups, self.scratch = level, None, None, None
        code = (f"import sys; sys.path.insert(0, {{!r}}); from vgrad.grading.sandbox import main; "
                f"main({result_fd})")
        if level.own_uid:
            self.uid = _uids.take()
        if level.name == "full":
            self.cgroups = Cgroups(memory_mb, processes)
            argv = [sys.executable, "-I", "-c", code.format(MOUNT)]
            cmd = _bwrap_command(stage_dir, argv, self.uid, env={**SANDBOX_ENV, "HOME": "/tmp"})
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # bwrap's own; the sandbox's is set inside
            cwd = None
        else:
            self.scratch = tempfile.mkdtemp(prefix="vgrad-sandbox-")
            if self.uid is not None:
                os.chown(self.scratch, self.uid, self.uid)
            cmd = [sys.executable, "-I", "-c", code.format(str(stage_dir))]
            env = {**SANDBOX_ENV, "HOME": self.scratch, "TMPDIR": self.scratch,
                   "MPLCONFIGDIR": os.path.join(self.scratch, "matplotlib")}
            cwd = self.scratch
        if self.cgroups is not None and self.cgroups.dirs:  # join the cgroups before anything runs
            join = "; ".join(f'echo $$ > "{p}"' for p in self.cgroups.procs_files())
            cmd = ["/bin/sh", "-c", f'set -e; {join}; exec "$@"', "sh"] + cmd
        extra = {}
        if self.uid is not None and level.name != "full":
            extra = dict(user=self.uid, group=self.uid, extra_groups=[])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(result_fd,), cwd=cwd, env=env,
                                     start_new_session=True, **extra)

    def stop(self):
        """Kill everything this sandbox started and remove what it left. Never raises."""
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self.uid is not None and self.level.name != "full":  # in full, the PID namespace ended them all
            _kill_uid(self.uid)
        if self.cgroups is not None:
            self.cgroups.remove()
        if self.scratch is not None:
            for _ in range(3):  # a straggler may still be writing (reduced level, same user)
                shutil.rmtree(self.scratch, ignore_errors=True)
                if not os.path.exists(self.scratch):
                    break
        if self.uid is not None:
            _uids.give_back(self.uid)
        for stream in (self.proc.stdin,):
            try:
                stream.close()
            except OSError:
                pass


def _kill_uid(uid):
    """Kill every process of ``uid`` (a sandbox's own): a process of that uid that signals -1
    reaches exactly those, and nothing else."""
    for _ in range(3):
        try:
            subprocess.run([sys.executable, "-I", "-S", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
                           user=uid, group=uid, extra_groups=[], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, cwd="/")
        except (OSError, subprocess.SubprocessError):
            pass
        if not any(_uid_of(pid) == uid for pid in os.listdir("/proc") if pid.isdigit()):
            return


def _uid_of(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
