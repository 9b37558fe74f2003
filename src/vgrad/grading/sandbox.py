"""The student's side of grading: the process, inside the operating-system sandbox of
``isolation``, that runs a submission's code and reports, as plain data, what its exercise functions
return. Nothing it reports is trusted beyond that, and the grader enforces every deadline itself.

It runs from a copy of the package in which the exercise registry and the protected references do
not exist (``isolation.stage``), started as
``python -I -c "import sys; sys.path.insert(0, COPY); from vgrad.grading.sandbox import main; main(FD)"``.

Protocol. stdin carries two length-prefixed frames from the grader: a JSON header (the code cells,
the exercise names, the limits), then — only after the sandbox has said ``ready`` — the test inputs
(a pickle: trusted data going into the sandbox, never the other way), drawn from a seed the
submission never sees. On FD the sandbox writes one JSON object per line:

    {"cell": i}                                    about to run code cell i
    {"ready": true}                                the cells have run
    {"call": name, "case": i}                      about to call exercise ``name`` on case i
    {"outcome": name, "case": i, "kind": ..., "value": ..., "error": ..., "warnings": [...]}
    {"done": name, "status": "ran" | "missing" | "course_code"}
"""
import ast
import json
import linecache
import os
import pickle
import resource
import shutil
import signal
import struct
import sys
import warnings

SAFE_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
OPEN_FILES = 64  # with FILE_BYTES, bounds what memfds can hold where no memory cgroup does
FILE_BYTES = 8 << 20


def read_frame(stream):
    (size,) = struct.unpack(">Q", stream.read(8))
    return stream.read(size)


def statements(source, definitions_only):
    """The top-level statements of a cell, each to be run on its own (so that one failing import
    does not hide the definitions after it); with ``definitions_only``, only the imports,
    definitions and constant assignments — what the exercise functions can depend on, without the
    cell's experiments (the fast path of grading)."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    if not definitions_only:
        return body
    keep = []
    for node in body:
        if isinstance(node, SAFE_STATEMENTS):
            keep.append(node)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            try:
                ast.literal_eval(node.value)
                keep.append(node)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                pass
    return keep


def limit_resources(memory_mb, cpu_seconds, processes):
    """Hard limits, set before any submitted code runs: an unprivileged process cannot raise them."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if processes and os.getuid() != 0:  # root is not bound by RLIMIT_NPROC
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def is_course_code(fn):
    """The course's own function, handed in as the learner's."""
    module = getattr(fn, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] == "vgrad"


def main(result_fd):
    result = os.fdopen(result_fd, "w", buffering=1)
    stdin = os.fdopen(os.dup(0), "rb")  # the grader's channel; the submission's own stdin is empty,
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # so that input() ends at once instead of hanging
    header = json.loads(read_frame(stdin))
    limit_resources(header["memory_mb"], header["cpu_seconds"], header["processes"])
    fonts = os.path.join(sys.path[0], "mplconfig")  # built by the grader beside the package copy
    if os.path.isdir(fonts) and "MPLCONFIGDIR" in os.environ:
        shutil.copytree(fonts, os.environ["MPLCONFIGDIR"], dirs_exist_ok=True)

    import numpy as np  # noqa: F401  (imported before the limits bite on the student's code)

    from vgrad.exercises.runner import call_learner
    from vgrad.grading.wire import encode

    def say(**message):
        result.write(json.dumps(message) + "\n")

    warnings.simplefilter("ignore")
    namespace = {"__name__": "__main__"}

    def on_alarm(signum, frame):
        raise TimeoutError("cell time limit")

    # Time limits count CPU time here, so that a loaded machine does not make honest work late; the
    # grader's own deadlines (on the clock) catch code that sleeps or silences its alarm.
    # A cell that sleeps uses no CPU: the clock stops it too, at twice its limit.
    signal.signal(signal.SIGPROF, on_alarm)
    signal.signal(signal.SIGALRM, on_alarm)
    for i, source in enumerate(header["cells"]):
        say(cell=i)
        linecache.cache[f"<cell {i}>"] = (len(source), None, source.splitlines(keepends=True), f"<cell {i}>")
        try:
            signal.setitimer(signal.ITIMER_PROF, header["cell_timeout"])
            signal.setitimer(signal.ITIMER_REAL, 2 * header["cell_timeout"] + 1)
            for node in statements(source, header["fast"]):
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), f"<cell {i}>", "exec"), namespace)
                except TimeoutError:
                    raise
                except BaseException:  # the student's statement failed (or tried to exit): go on
                    pass
        except BaseException:  # the cell's time is up
            pass
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)

    say(ready=True)
    cases = pickle.loads(read_frame(stdin))
    for name in header["exercises"]:
        fn = namespace.get(name)
        if fn is None or not callable(fn):
            say(done=name, status="missing")
            continue
        if is_course_code(fn):
            say(done=name, status="course_code")
            continue
        for i, (args, kwargs) in enumerate(cases[name]):
            say(call=name, case=i)
            outcome = call_learner(fn, _Case(args, kwargs), header["call_timeout"], cpu=True)
            try:
                value = encode(outcome.value) if outcome.kind == "returned" else None
            except Exception:  # an object that will not even be looked at
                value = {"t": "opaque", "type": "unreadable value"}
            say(outcome=name, case=i, kind=outcome.kind, value=value, error=outcome.error[:500],
                warnings=list(outcome.warnings))
            if outcome.kind != "returned":
                break
        say(done=name, status="ran")
    result.flush()
    os._exit(0)


class _Case:
    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs
