"""The student's side of grading: a separate process that runs a submission's code and reports,
as plain data, what its exercise functions return. Nothing it reports is trusted beyond that.

    python -m vgrad.grading.sandbox RESULT_FD

Protocol. stdin carries a length-prefixed JSON header (the code cells, the exercise names, the
limits). The sandbox limits itself (memory, CPU time, file size, processes), blocks process
creation, runs the cells, then writes ``READY`` to RESULT_FD. Only then does the grader send the
test inputs (a length-prefixed pickle: trusted data going into the sandbox, never the other way),
which were drawn from a seed the submission never sees. The sandbox calls each exercise function on
them and writes one JSON line of plain data (``wire.encode``) to RESULT_FD.
"""
import ast
import json
import os
import pickle
import resource
import signal
import struct
import sys
import warnings

SAFE_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def read_frame(stream):
    (size,) = struct.unpack(">Q", stream.read(8))
    return stream.read(size)


def definitions_only(source):
    """The imports, definitions and constant assignments of a cell: what the exercise functions
    can depend on, without the cell's experiments (the fast path of grading)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    keep = []
    for node in tree.body:
        if isinstance(node, SAFE_STATEMENTS):
            keep.append(node)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            try:
                ast.literal_eval(node.value)
                keep.append(node)
            except ValueError:
                pass
    return ast.unparse(ast.Module(body=keep, type_ignores=[]))


def limit_resources(memory_mb, cpu_seconds, processes):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if processes and os.getuid() != 0:  # root is not bound by RLIMIT_NPROC
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def block_process_creation():
    """New processes (fork bombs, shells) are refused from Python's own entry points."""

    def refuse(*args, **kwargs):
        raise PermissionError("grading does not allow starting processes")

    import subprocess

    for name in ("fork", "forkpty", "system", "popen", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                 "execv", "execve", "execvp", "execvpe", "posix_spawn", "posix_spawnp", "kill", "killpg"):
        if hasattr(os, name):
            setattr(os, name, refuse)
    subprocess.Popen = refuse  # type: ignore[misc]


def main():
    result = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    stdin = sys.stdin.buffer
    header = json.loads(read_frame(stdin))
    limit_resources(header["memory_mb"], header["cpu_seconds"], header["processes"])

    import numpy as np  # noqa: F401  (imported before the limits bite on the student's code)

    from vgrad.exercises import get_exercise
    from vgrad.exercises.runner import call_learner, is_course_code
    from vgrad.grading.wire import encode

    exercises = [get_exercise(name) for name in header["exercises"]]
    protected = {p.__code__: ex.name for ex in exercises for p in ex.protected}
    block_process_creation()
    warnings.simplefilter("ignore")
    namespace = {"__name__": "__main__"}

    def on_alarm(signum, frame):
        raise TimeoutError("cell time limit")

    signal.signal(signal.SIGALRM, on_alarm)
    for i, source in enumerate(header["cells"]):
        code = definitions_only(source) if header["fast"] else source
        try:
            signal.setitimer(signal.ITIMER_REAL, header["cell_timeout"])
            exec(compile(code, f"<cell {i}>", "exec"), namespace)
        except BaseException:  # the student's cell failed (or tried to exit): go on, like a notebook
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    result.write("READY\n")
    cases = pickle.loads(read_frame(stdin))
    used_reference = set()
    current = []

    def watch(frame, event, arg):  # a protected course function called straight from student code
        if event == "call" and frame.f_code in protected and current:
            caller = frame.f_back
            if caller is not None and "vgrad" not in caller.f_code.co_filename.replace("\\", "/").split("/"):
                used_reference.add(current[-1])

    def report(name, entry):  # one line per exercise, as soon as it is done
        result.write(json.dumps({name: entry}) + "\n")

    for ex in exercises:
        fn = namespace.get(ex.name)
        if fn is None or not callable(fn):
            report(ex.name, {"status": "missing"})
            continue
        if is_course_code(ex, fn):
            report(ex.name, {"status": "course_code"})
            continue
        outcomes = []
        for args, kwargs in cases[ex.name]:
            current.append(ex.name)
            sys.setprofile(watch)
            try:
                outcome = call_learner(fn, _Case(args, kwargs), header["call_timeout"])
            finally:
                sys.setprofile(None)
                current.pop()
            value = encode(outcome.value) if outcome.kind == "returned" else None
            outcomes.append({"kind": outcome.kind, "value": value, "error": outcome.error[:500]})
            if outcome.kind != "returned":
                break
        report(ex.name, {"status": "ran", "outcomes": outcomes, "reference_used": ex.name in used_reference})
    result.flush()
    os._exit(0)


class _Case:
    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs


if __name__ == "__main__":
    main()
