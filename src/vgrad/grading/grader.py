"""The trusted side of grading: read a submission, run it in a sandbox process, judge what came back.

What the grader trusts: the exercise registry (names, points, test inputs, references) and the
plain data the sandbox returns. What it does not: anything in the submitted file beyond the source
of its code cells (points, metadata and outputs are ignored), and anything the student's process
says about itself. The expected answers are computed here and never enter the student's process;
the test inputs are drawn from a fresh random seed for every submission and sent only after the
submission's own code has run.
"""
import json
import math
import os
import pickle
import secrets
import selectors
import struct
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..exercises import EXERCISES
from ..exercises.runner import MAX_WARNINGS, WARNING_CHARS, Outcome, judge
from . import isolation
from .notebook_file import Unreadable, parse, read_cells, which_notebook
from .wire import decode

MAX_REPORT_BYTES = 64 << 20


@dataclass
class Limits:
    cell_timeout: float = 30.0  # seconds per code cell
    call_timeout: float = 5.0  # seconds per call of an exercise function
    timeout: float = 120.0  # seconds for the whole submission
    memory_mb: int = 2048  # address space of the sandbox process
    processes: int = 64  # processes and threads: a pids cgroup, or RLIMIT_NPROC for an unprivileged uid
    run_all_cells: bool = False  # False: only imports, definitions and constants, unless a function needs more
    isolation: str = "auto"  # "auto": the best this machine gives (see isolation.detect); "reduced": no bubblewrap


@dataclass
class ExerciseScore:
    name: str
    label: str
    score: float
    max_score: int
    status: str
    feedback: str


@dataclass
class SubmissionResult:
    path: str
    notebook: str  # the course notebook it was graded as ("" when unknown)
    exercises: list = field(default_factory=list)
    error: str = ""  # a one-line reason when the file could not be graded at all
    seconds: float = 0.0
    isolation: str = ""  # how the submission's code was isolated (isolation.Level)

    @property
    def score(self):
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self):
        return sum(e.max_score for e in self.exercises)

    def to_dict(self):
        d = asdict(self)
        d.update(score=self.score, max_score=self.max_score)
        return d


def _frame(data):
    return struct.pack(">Q", len(data)) + data


class Protocol(Exception):
    """The sandbox sent something that is not a message of the protocol."""


# The messages a sandbox may send: the keys each kind has, and the values some keys may take.
_KEYS = {"cell": {"cell"}, "ready": {"ready"}, "call": {"call", "case"},
         "outcome": {"outcome", "case", "kind", "value", "error", "warnings"}, "done": {"done", "status"}}
_CHOICES = {"kind": ("returned", "not_attempted", "timeout", "error"), "status": ("ran", "missing", "course_code")}


def _message(line, names, cases):
    """One line from the sandbox -> (kind, message), checked against the protocol, or ``Protocol``."""
    try:
        m = json.loads(line)
    except (ValueError, RecursionError, MemoryError):
        raise Protocol("a line that is not JSON") from None
    kind = next((k for k in _KEYS if k in m), None) if isinstance(m, dict) else None
    if kind is None or set(m) != _KEYS[kind]:
        raise Protocol("a message of the wrong shape")
    name = m[kind]
    if kind in ("call", "outcome", "done") and not (isinstance(name, str) and name in names):
        raise Protocol("a message about no exercise of this notebook")
    if "case" in m and not (type(m["case"]) is int and 0 <= m["case"] < len(cases[name])):
        raise Protocol("a message about no test case")
    if (kind == "cell" and type(name) is not int or kind == "ready" and name is not True
            or kind == "outcome" and not isinstance(m["error"], str)
            or kind == "outcome" and not (isinstance(m["warnings"], list) and len(m["warnings"]) <= MAX_WARNINGS
                                          and all(isinstance(w, str) for w in m["warnings"]))
            or any(key in m and m[key] not in values for key, values in _CHOICES.items())):
        raise Protocol("a message of the wrong shape")
    return kind, m


@dataclass
class _Run:
    """What one sandbox reported: finished exercises, and where it was when it stopped."""

    report: dict = field(default_factory=dict)  # {exercise: {"status": ..., "outcomes": [...]}}
    outcomes: dict = field(default_factory=dict)  # {exercise: [outcome, ...]} so far
    ready: bool = False
    calling: str = None  # the exercise being called when the sandbox stopped
    timed_out: bool = False
    problem: str = ""  # a protocol violation, in words


def _limits_header(cells, exercises, limits, fast):
    return json.dumps({
        "cells": cells, "exercises": [ex.name for ex in exercises], "fast": fast,
        "cell_timeout": limits.cell_timeout, "call_timeout": limits.call_timeout,
        "memory_mb": limits.memory_mb, "cpu_seconds": max(1, math.ceil(limits.timeout)),
        "processes": limits.processes,
    }).encode()


def run_sandbox(cells, exercises, cases, limits, deadline, fast=True):
    """Run the cells in a fresh sandbox, test ``exercises`` on ``cases``, and return a ``_Run``.

    The grader keeps every deadline itself — ``deadline`` (time.monotonic) for the whole run, a cell's
    and a call's ``_backstop`` for each step the sandbox announces — and never blocks on the
    sandbox: both pipes are non-blocking and watched with a selector. Every line is checked against
    the protocol's schema and size caps; the first that is not a message ends the run.
    """
    level = isolation.detect(limits.isolation != "reduced")
    names = {ex.name for ex in exercises}
    run = _Run()
    outgoing = bytearray(_frame(_limits_header(cells, exercises, limits, fast)))
    pending_cases = _frame(pickle.dumps({ex.name: [(c.args, c.kwargs) for c in cases[ex.name]] for ex in exercises}))
    read_fd, write_fd = os.pipe()
    sandbox = None
    try:
        sandbox = isolation.Sandbox(level, isolation.stage(exercises), write_fd, limits.memory_mb, limits.processes)
        os.close(write_fd)
        write_fd = None
        stdin = sandbox.proc.stdin.fileno()
        os.set_blocking(read_fd, False)
        os.set_blocking(stdin, False)
        selector = selectors.DefaultSelector()
        selector.register(read_fd, selectors.EVENT_READ)
        selector.register(stdin, selectors.EVENT_WRITE)
        buffer, received = bytearray(), 0
        step_deadline = time.monotonic() + STARTUP
        while True:
            now = time.monotonic()
            if now >= min(deadline, step_deadline):
                run.timed_out = True
                break
            events = selector.select(min(deadline, step_deadline) - now)
            closed = False
            for key, _ in events:
                if key.fd == stdin:
                    try:
                        outgoing = outgoing[os.write(stdin, outgoing[:1 << 16]):]
                    except BlockingIOError:
                        continue
                    except OSError:  # the sandbox closed its stdin: nothing more to say to it
                        outgoing = bytearray()
                    if not outgoing:
                        selector.unregister(stdin)
                    continue
                try:
                    block = os.read(read_fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not block:
                    closed = True
                    continue
                received += len(block)
                buffer += block
                if received > MAX_REPORT_BYTES or b"\n" not in buffer and len(buffer) > MAX_LINE_BYTES:
                    run.problem = "sent more than the grader reads"
                    closed = True
                    continue
                *lines, rest = buffer.split(b"\n")
                buffer = bytearray(rest)
                for line in lines:
                    try:
                        kind, m = _message(bytes(line), names, cases)
                    except Protocol as err:
                        run.problem, closed = f"sent {err}", True
                        break
                    step_deadline = _on_message(run, kind, m, limits)
                    if kind == "ready":  # only now do the test inputs go in
                        if not outgoing:
                            selector.register(stdin, selectors.EVENT_WRITE)
                        outgoing += pending_cases
                    if len(run.report) == len(names):  # all said: a child holding the pipe open is no reason to wait
                        closed = True
                        break
                if closed:
                    break
            if closed:
                break
    except (OSError, ValueError) as exc:  # the sandbox could not even start
        run.problem = f"could not start the sandbox ({type(exc).__name__})"
    finally:
        if write_fd is not None:
            os.close(write_fd)
        os.close(read_fd)
        if sandbox is not None:
            sandbox.stop()
    return run


STARTUP = 60.0  # seconds for the sandbox to start Python (generous: a loaded machine is slow)


def _backstop(limit):
    """The grader's own deadline for a step whose ``limit`` the sandbox should enforce itself
    (it does, unless the submission disables its alarm): generous, so a loaded machine is no risk."""
    return 3 * limit + 2.0


BETWEEN = 30.0  # seconds between two messages when no cell or call is running (encoding a result)
MAX_LINE_BYTES = 16 << 20  # one message: one outcome (an array of a million float64 fits)


def _on_message(run, kind, m, limits):
    """Record message ``m`` in ``run``; return the deadline of the next step."""
    now = time.monotonic()
    if kind == "cell":
        return now + _backstop(limits.cell_timeout)
    if kind == "ready":
        run.ready = True
        return now + BETWEEN
    if kind == "call":
        run.calling = m["call"]
        return now + _backstop(limits.call_timeout)
    if kind == "outcome":
        got = run.outcomes.setdefault(m["outcome"], [])
        if m["case"] == len(got):  # in order, each case once; anything else is ignored
            value = decode(m["value"]) if m["kind"] == "returned" else None
            warned = tuple(" ".join(w[:WARNING_CHARS].split()) for w in m["warnings"])
            got.append(Outcome(m["kind"], value, " ".join(m["error"][:500].split()), warned))  # one line each
        run.calling = None
        return now + BETWEEN
    run.calling = None  # done
    run.report.setdefault(m["done"], {"status": m["status"], "outcomes": run.outcomes.get(m["done"], [])})
    return now + BETWEEN


def _collect(cells, exercises, cases, limits, fast, deadline):
    """Every exercise's report, within ``deadline``. When a call runs out of time or ends its
    sandbox, that exercise keeps what it had plus a timeout or an error, and a fresh sandbox tests
    the rest: one endless or crashing function costs only its own points."""
    report, pending = {}, list(exercises)
    while pending and time.monotonic() < deadline:
        run = run_sandbox(cells, pending, cases, limits, deadline, fast)
        if not run.ready and len(pending) < len(exercises):  # it did get ready before: out of time
            break
        if not run.ready:
            raise RuntimeError(
                "the submission's code did not finish running" if run.timed_out else
                f"the submission {run.problem}" if run.problem else
                "the submission's code ended the grading process before its functions could be tested")
        report.update(run.report)
        pending = [ex for ex in pending if ex.name not in run.report]
        if pending:
            stuck = next((ex for ex in pending if ex.name == run.calling), pending[0])
            why = (Outcome("timeout") if run.timed_out and run.calling == stuck.name else
                   Outcome("error", error=f"{run.problem} while it was tested" if run.problem
                           else "ended the grading process"))
            report[stuck.name] = {"status": "ran", "outcomes": run.outcomes.get(stuck.name, []) + [why]}
            pending.remove(stuck)
    for ex in pending:  # the submission's time ran out
        report[ex.name] = {"status": "ran", "outcomes": [Outcome("error", error=(
            f"could not be tested: the submission used up its {limits.timeout:g} s"))]}
    return report


def _syntax_error_near(cells, name):
    """' (cell N, which defines it, has a syntax error: ...)' when that explains a missing function."""
    for i, source in enumerate(cells):
        if f"def {name}" not in source:
            continue
        try:
            parse(source)
        except SyntaxError as err:
            return f" (code cell {i + 1}, which defines it, has a syntax error at line {err.lineno}: {err.msg})"
        except (ValueError, RecursionError, MemoryError):
            return f" (code cell {i + 1}, which defines it, cannot be read as Python)"
    return ""


def grade_submission(path, notebook=None, limits=None, seed=None, data=None):
    """Grade one submitted notebook -> ``SubmissionResult``. Never raises for a bad submission.

    ``data``: the file's bytes, read beforehand (``grade_many`` reads a whole batch first, so that
    no submission's code can change another's file before it is graded).
    """
    limits = limits or Limits()
    start = time.perf_counter()
    deadline = time.monotonic() + limits.timeout
    level = isolation.detect(limits.isolation != "reduced")
    result = SubmissionResult(path=str(path), notebook="", isolation=str(level))
    refusal = isolation.refusal(level, limits.isolation)
    if refusal:
        result.error = refusal
        return result
    try:
        cells = read_cells(path, data)
    except Unreadable as err:
        result.error = str(err)
        return result
    nb_name = which_notebook(path, cells, notebook)
    if nb_name is None:
        result.error = ("no exercise of this course found (is this a Vanishing Gradients notebook?)"
                        if notebook is None else f"unknown notebook {notebook!r}")
        return result
    result.notebook = nb_name
    exercises = sorted((ex for ex in EXERCISES.values() if ex.notebook == nb_name), key=lambda e: e.label)
    seeds = np.random.SeedSequence(secrets.randbits(128) if seed is None else seed).spawn(len(exercises))
    cases = {ex.name: ex.cases(np.random.default_rng(s)) for ex, s in zip(exercises, seeds)}
    try:
        report = _collect(cells, exercises, cases, limits, not limits.run_all_cells, deadline)
        if not limits.run_all_cells and (len(report) < len(exercises) or any(
                e["status"] == "missing" or any("NameError" in o.error for o in e["outcomes"]) for e in report.values())):
            # a function that needs the cells' other code (a name it calls, a default argument, or a
            # function made by an assignment such as `f = lambda x: ...`): run every cell
            report = _collect(cells, exercises, cases, limits, False, deadline)
    except RuntimeError as err:
        report, result.error = {}, str(err)
    for ex in exercises:
        entry = report.get(ex.name, {"status": "missing"})
        if entry["status"] == "missing":
            why = result.error or f"no function named {ex.name} was found{_syntax_error_near(cells, ex.name)}"
            res = judge(ex, cases[ex.name], [Outcome("error", error=f"could not be tested: {why}")],
                        limits.call_timeout)
            res.status = "missing"
        else:
            res = judge(ex, cases[ex.name], entry["outcomes"], limits.call_timeout,
                        course_code=entry["status"] == "course_code")
        feedback = res.message + (f"\n  Hint: {res.hint}" if res.hint else "")
        result.exercises.append(ExerciseScore(ex.name, ex.label, float(res.points), ex.points, res.status,
                                              feedback))
    result.seconds = time.perf_counter() - start
    return result
