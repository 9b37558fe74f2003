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
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..exercises import EXERCISES
from ..exercises.runner import Outcome, judge
from .notebook_file import Unreadable, read_cells, which_notebook
from .wire import decode

MAX_REPORT_BYTES = 64 << 20


@dataclass
class Limits:
    cell_timeout: float = 30.0  # seconds per code cell
    call_timeout: float = 5.0  # seconds per call of an exercise function
    timeout: float = 120.0  # seconds for the whole submission
    memory_mb: int = 2048  # address space of the sandbox process
    processes: int = 256  # RLIMIT_NPROC where it applies (not as root)
    run_all_cells: bool = False  # False: only imports, definitions and constants, unless a function needs more


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


def run_sandbox(cells, exercises, cases, limits, fast=True):
    """Run the cells in a sandbox process and collect its report, ({exercise: {...}}, timed_out),
    or raise ``RuntimeError`` with a one-line reason when the cells themselves never finish."""
    header = json.dumps({
        "cells": cells, "exercises": [ex.name for ex in exercises], "fast": fast,
        "cell_timeout": limits.cell_timeout, "call_timeout": limits.call_timeout,
        "memory_mb": limits.memory_mb, "cpu_seconds": max(1, math.ceil(limits.timeout)),
        "processes": limits.processes,
    }).encode()
    read_fd, write_fd = os.pipe()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER_"))}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="vgrad-sandbox-") as workdir:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vgrad.grading.sandbox", str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(write_fd,), cwd=workdir, env=env, start_new_session=True)
        os.close(write_fd)
        chunks, deadline = [], time.monotonic() + limits.timeout
        ready = threading.Event()  # set once the submission's cells have run

        def reader():
            with os.fdopen(read_fd, "rb") as f:
                total = 0
                while total < MAX_REPORT_BYTES:
                    block = f.read1(1 << 16)
                    if not block:
                        break
                    chunks.append(block)
                    total += len(block)
                    if not ready.is_set() and b"READY\n" in b"".join(chunks):
                        ready.set()

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        try:
            proc.stdin.write(_frame(header))
            proc.stdin.flush()
            while not ready.wait(0.05) and thread.is_alive() and time.monotonic() < deadline:
                pass
            if ready.is_set():
                proc.stdin.write(_frame(pickle.dumps({ex.name: [(c.args, c.kwargs) for c in cases[ex.name]]
                                                      for ex in exercises})))
                proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        thread.join(max(0.0, deadline - time.monotonic()))
        timed_out = thread.is_alive()
        _kill_group(proc)
        thread.join(1.0)
    lines = b"".join(chunks).split(b"\n")
    if b"READY" not in lines:
        raise RuntimeError("the submission's code did not finish running" if timed_out
                           else "the submission's code ended the grading process before its functions could be tested")
    report = {}
    for line in lines[lines.index(b"READY") + 1:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            report.update((k, v) for k, v in entry.items() if k not in report)
    return report, timed_out


def _kill_group(proc):
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _outcomes(entry):
    out = []
    for o in entry.get("outcomes", [])[:1000]:
        if not isinstance(o, dict) or o.get("kind") not in ("returned", "not_attempted", "timeout", "error"):
            out.append(Outcome("error", error="reported something unreadable"))
        elif o["kind"] == "returned":
            out.append(Outcome("returned", decode(o.get("value"))))
        else:
            out.append(Outcome(o["kind"], error=str(o.get("error", ""))[:500]))
    return out


def _collect(cells, exercises, cases, limits, fast):
    """Every exercise's report. When the time runs out during one exercise, that one is marked
    as timed out and a fresh sandbox tests the rest: one endless function costs only its own points."""
    report, pending = {}, list(exercises)
    while pending:
        got, timed_out = run_sandbox(cells, pending, cases, limits, fast)
        report.update(got)
        pending = [ex for ex in pending if ex.name not in got]
        if pending:
            stuck = pending.pop(0)
            report[stuck.name] = {"status": "ran", "outcomes": [{"kind": "timeout" if timed_out else "error",
                                  "error": "ended the grading process"}]}
    return report


def grade_submission(path, notebook=None, limits=None, seed=None, data=None):
    """Grade one submitted notebook -> ``SubmissionResult``. Never raises for a bad submission.

    ``data``: the file's bytes, read beforehand (``grade_many`` reads a whole batch first, so that
    no submission's code can change another's file before it is graded).
    """
    limits = limits or Limits()
    start = time.perf_counter()
    result = SubmissionResult(path=str(path), notebook="")
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
        report = _collect(cells, exercises, cases, limits, fast=not limits.run_all_cells)
        if not limits.run_all_cells and any("NameError" in str(o.get("error", "")) for e in report.values() for o in e.get("outcomes", [])):
            report = _collect(cells, exercises, cases, limits, fast=False)  # needs the cells' other code
    except RuntimeError as err:
        report, result.error = {}, str(err)
    for ex in exercises:
        entry = report.get(ex.name)
        entry = entry if isinstance(entry, dict) else {"status": "missing"}
        status = entry.get("status")
        if status == "missing" or not report:
            why = result.error or f"no function named {ex.name} was found"
            res = judge(ex, cases[ex.name], [Outcome("error", error=f"could not be tested: {why}")],
                        limits.call_timeout)
            res.status = "missing"
        else:
            course_code = status == "course_code" or bool(entry.get("reference_used"))
            res = judge(ex, cases[ex.name], _outcomes(entry), limits.call_timeout, course_code=course_code)
        result.exercises.append(ExerciseScore(ex.name, ex.label, float(res.points), ex.points, res.status,
                                              res.message))
    result.seconds = time.perf_counter() - start
    return result
