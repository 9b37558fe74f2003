"""Run a learner's function on an exercise's cases and say, kindly and specifically, how it went.

``check(fn)`` never raises and never shows a traceback: whatever the learner's code does
(raise, loop forever, print, return the wrong thing), it prints one verdict.
"""
import copy
import inspect
import os
import re
import signal
import threading
import types
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, learner_frame
from .registry import _short, get_exercise

NOTEBOOK_SEED = 2024  # the cases a notebook's check uses; a grader draws its own
TIME_LIMIT = 5.0  # seconds per call, where the platform lets us enforce it
REMOVED = "is not available while an exercise is checked"  # what a protected function says when a learner's code calls it
MAX_WARNINGS = 3  # warnings kept per call, each cut to WARNING_CHARS
WARNING_CHARS = 200

_failed_attempts = {}


class TimeLimitExceeded(Exception):
    pass


@dataclass
class Result:
    exercise: str
    title: str
    status: str  # "passed", "failed", "not_attempted", "error", "timeout", "not_own_work", "missing"
    message: str
    points: float
    max_points: int
    hints: tuple = ()
    hint: str = ""  # the hint for the mistake the learner's result matches, if any

    @property
    def passed(self):
        return self.status == "passed"


@dataclass
class Outcome:
    """What one call of a learner's function did: ``kind`` is "returned" (with ``value``),
    "not_attempted", "timeout" or "error" (with ``error``, a one-line description); ``warnings``: what
    NumPy warned about (overflow, invalid value, ...) while the function ran."""

    kind: str
    value: object = None
    error: str = ""
    warnings: tuple = ()


@contextmanager
def _time_limit(seconds, cpu=False):
    """Raise TimeLimitExceeded in the main thread after ``seconds`` (Unix); elsewhere no limit.
    ``cpu``: seconds of the process's CPU time rather than of the clock (grading: a loaded machine
    does not make an honest function late)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    timer, signum = (signal.ITIMER_PROF, signal.SIGPROF) if cpu else (signal.ITIMER_REAL, signal.SIGALRM)

    def on_alarm(signum, frame):
        raise TimeLimitExceeded()

    previous = signal.signal(signum, on_alarm)
    signal.setitimer(timer, seconds)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signum, previous)


def _where_in_learner_code(exc):
    """' (in f, line N: `code`)' for the deepest frame that is not the course's own code."""
    f = learner_frame(exc.__traceback__)
    if f is None:
        return ""
    return f" (in {f.name}, line {f.lineno}: `{f.line}`)" if f.line else f" (in {f.name}, line {f.lineno})"


def call_learner(fn, case, time_limit=TIME_LIMIT, cpu=False):
    """Call ``fn`` on a copy of ``case``'s arguments, whatever it does -> ``Outcome``."""
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(
                over="warn", divide="warn", invalid="warn", under="ignore"), _time_limit(time_limit, cpu):
            warnings.simplefilter("always")
            value = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        return Outcome("returned", value, warnings=_warning_texts(caught))
    except NotImplementedError:
        return Outcome("not_attempted")
    except TimeLimitExceeded:
        return Outcome("timeout")
    except RecursionError:
        return Outcome("error", error="recursed too deeply (does the recursion have a base case?)")
    except BaseException as exc:  # the learner's code, whatever it raised (SystemExit, GeneratorExit, ...)
        try:
            return Outcome("error", error=f"raised {type(exc).__name__}: {exc}{_where_in_learner_code(exc)}",
                           warnings=_warning_texts(caught))
        except Exception:  # an exception whose text cannot even be made
            return Outcome("error", error=f"raised {type(exc).__name__}")


def _warning_texts(caught):
    """The distinct runtime warnings (NumPy's overflow, invalid value, ...) in ``caught``, in order."""
    texts = []
    for w in caught:
        try:
            text = " ".join(str(w.message).split())[:WARNING_CHARS]
        except Exception:
            continue
        if issubclass(w.category, RuntimeWarning) and text not in texts:
            texts.append(text)
    return tuple(texts[:MAX_WARNINGS])


# ---- one rule for reference use, in the notebook and in the grader ----------------------------------

def removal_message(fn, ex):
    """What a protected function says when a learner's function calls it while ``ex`` is checked."""
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", "this function"))
    if name == "<lambda>":
        name = f"the reference of {ex.label}"
    return f"{name} {REMOVED} (it would do the work of {ex.label}, {ex.name})"


def protected_in(notebook):
    """{function: exercise} for every function the exercises of ``notebook`` protect (their
    references included): a learner's function for any exercise of that notebook may call none."""
    from .registry import EXERCISES

    found = {}
    for ex in sorted(EXERCISES.values(), key=lambda e: e.label):
        for fn in (ex.reference, *ex.protected):
            if ex.notebook == notebook and isinstance(fn, types.FunctionType):
                found.setdefault(fn, ex)
                for helper in _helpers(fn):  # what a reference of the registry wraps (the grader has none of it)
                    found.setdefault(helper, ex)
    return found


def _helpers(fn):
    """The functions of the exercises' own modules that ``fn`` calls, directly or in turn."""
    seen, todo = [], [fn]
    while todo:
        f = todo.pop()
        code_objects, names = [f.__code__], set()
        while code_objects:
            code = code_objects.pop()
            names |= set(code.co_names)
            code_objects += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for name in names:
            g = f.__globals__.get(name)
            if (isinstance(g, types.FunctionType) and g not in seen and g is not fn
                    and (g.__module__ or "").startswith(__package__ + ".ch")):
                seen.append(g)
                todo.append(g)
    return seen


def _raising_code(fn, message):
    """A code object for ``fn`` (a function without free variables) that raises RuntimeError(message)."""
    def template(*args, **kwargs):
        raise RuntimeError("MESSAGE")

    code = template.__code__
    return code.replace(co_consts=tuple(message if c == "MESSAGE" else c for c in code.co_consts),
                        co_name=fn.__code__.co_name, co_qualname=fn.__code__.co_qualname)


_removal_depth = [0]


@contextmanager
def references_removed(notebook):
    """While it lasts, every function protected by ``notebook``'s exercises raises the same
    "... is not available while an exercise is checked" that the grader's sandbox gives (where those functions are
    removed from the package copy): a learner's function that calls one, directly or through a
    lambda, a partial, a thread or a class, gets the same verdict in ``check`` as in ``vgrad grade``."""
    if _removal_depth[0]:  # already in force (a check inside a learner's function)
        yield
        return
    saved = {fn: fn.__code__ for fn in protected_in(notebook)}
    _removal_depth[0] += 1
    try:
        for fn, ex in protected_in(notebook).items():
            if not fn.__code__.co_freevars:  # tests/test_exercises.py: every protected function qualifies
                fn.__code__ = _raising_code(fn, removal_message(fn, ex))
        yield
    finally:
        for fn, code in saved.items():
            fn.__code__ = code
        _removal_depth[0] -= 1


def is_course_code(ex, fn):
    """True when ``fn`` is one of the course's own functions rather than the learner's."""
    module = getattr(fn, "__module__", None)
    return (isinstance(module, str) and module.split(".")[0] == "vgrad") or any(
        getattr(fn, "__code__", None) is getattr(p, "__code__", False) for p in ex.protected)


def judge(ex, cases, outcomes, time_limit=TIME_LIMIT, course_code=False):
    """The verdict on a learner's ``outcomes`` (one per case, in order) -> ``Result``.

    The expected answers are computed here, by the caller's process, from ``ex.reference``. A call
    that reached a protected function (its error says ``REMOVED``) earns nothing, whatever else it did.
    """
    def result(status, message, hint=""):
        points = ex.points if status == "passed" else 0
        return Result(ex.name, ex.title, status, message, points, ex.points, ex.hints, hint)

    used = next((o.error for o in outcomes if REMOVED in o.error), None)
    if course_code or used:
        what = (f"it calls the course's own code: {used.removeprefix('raised RuntimeError: ')}" if used
                else "that is the course's own implementation")
        return result("not_own_work", f"{ex.title}: {what}. Write your own version of {ex.name}; your own "
                      f"functions from earlier exercises are fine to use.")
    for i, (case, outcome) in enumerate(zip(cases, outcomes), start=1):
        call = case.call_text(ex.name)
        if outcome.kind == "not_attempted":
            return result("not_attempted", f"{ex.title} is not attempted yet: replace the line "
                          f"`raise NotImplementedError` in {ex.name} with your code, run that cell, "
                          f"then run this check again.")
        if outcome.kind == "timeout":
            return result("timeout", f"{ex.title}: {call} did not return within {time_limit:g} s. "
                          f"Is there a loop that never ends? Interrupting is safe: nothing was lost.")
        if outcome.kind == "error":
            return result("error", f"{ex.title}: {call} {outcome.error}.{_warned(outcome)}")
        expected = _course_answer(case, ex.reference)
        try:
            problem = ex.compare(expected, outcome.value)
        except Exception as exc:  # a returned object that will not even be compared
            problem = f"your result could not be read as {ex.name}'s answer ({type(exc).__name__})"
        if not problem and ex.no_warnings and outcome.warnings:
            problem = (f"NumPy warned inside your function: {outcome.warnings[0]}. The values are right, but "
                       f"{ex.label} asks for a version that never overflows, even at ±1000: a value too large "
                       f"for float64 is computed somewhere, even if it is thrown away afterwards")
        if problem:
            problem = _input_at(ex, case, expected, problem)
            warned = "" if ex.no_warnings else _warned(outcome)
            return result("failed", f"{ex.title}: case {i} of {len(cases)} fails.\n  {call}\n  {problem}{warned}",
                          _matching_mistake(ex, cases, outcomes, i - 1))
    if len(outcomes) < len(cases):
        return result("error", f"{ex.title}: the answers stopped after case {len(outcomes)} of {len(cases)}.")
    if ex.consistent is not None:
        problem = ex.consistent(cases, [o.value for o in outcomes])
        if problem:
            return result("failed", f"{ex.title}: each case alone looks right, but {problem}")
    passed = f"all {len(cases)} cases pass" if len(cases) > 1 else "it passes"
    return result("passed", f"{ex.title}: {passed}. [{ex.points}/{ex.points} points]")


def _input_at(ex, case, expected, problem):
    """``problem`` naming, for an elementwise exercise, the inputs of the result's shape at the index
    where it first differs (the printed call may have cut them out): 'at index 12 (where x is 3.5): ...'."""
    found = re.search(r"at index (\d+|\[[\d, ]+\])", problem)
    shape = expected.shape if isinstance(expected, np.ndarray) else None
    names = list(inspect.signature(ex.reference).parameters)
    named = list(zip(names, case.args)) + list(case.kwargs.items())
    arrays = [(name, a) for name, a in named if isinstance(a, np.ndarray) and a.shape == shape and a.ndim]
    if not found or not arrays:
        return problem
    index = tuple(int(i) for i in re.findall(r"\d+", found.group(1)))
    if len(index) != len(shape):
        return problem
    where = ", ".join(f"{name} is {_short(a[index])}" for name, a in arrays)
    return problem.replace(found.group(0), f"{found.group(0)} (where {where})", 1)


def _warned(outcome):
    return f"\n  (NumPy warned inside your function: {'; '.join(outcome.warnings)})" if outcome.warnings else ""


def _course_answer(case, answer):
    """``answer`` (the course's own code: a reference or a known mistake) to a copy of ``case``'s inputs,
    computed once per case: the mutant catalogue judges dozens of answers on the same cases."""
    memo = case.__dict__.setdefault("_course_answers", {})
    if answer not in memo:
        memo[answer] = answer(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    return memo[answer]


def _matching_mistake(ex, cases, outcomes, failing):
    """The hint of the first of ``ex.mistakes`` that returns what the learner returned on case ``failing``
    (by its own ``matches`` if it has one) and agrees with the learner on every other case answered: one
    that agrees on the failing case alone may be another mistake's look-alike."""
    answered = [(i, case, o.value) for i, (case, o) in enumerate(zip(cases, outcomes)) if o.kind == "returned"]
    for mistake in ex.mistakes:
        def same(i, case, got):
            value = _course_answer(case, mistake.answer)
            equal = _holds(lambda: ex.compare(value, got) is None)
            matches = mistake.matches is not None and _holds(lambda: mistake.matches(value, got))
            return (matches if mistake.matches else equal) if i == failing else equal or matches

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if _holds(lambda: all(same(*answer) for answer in answered)):
                return mistake.hint
    return ""


def _holds(condition):
    """``condition()``, with an exception counted as False."""
    try:
        return bool(condition())
    except Exception:
        return False


def run(fn, name=None, seed=NOTEBOOK_SEED, time_limit=TIME_LIMIT):
    """Test ``fn`` against exercise ``name`` (default: the function's own name) -> ``Result``.
    ``seed`` (an int or a ``numpy.random.SeedSequence``) draws the cases: the notebook's by default."""
    if not callable(fn):
        return Result(str(name), str(name), "error", f"check expects your function, for example check(sigmoid_prime); "
                      f"got {type(fn).__name__} {fn!r:.40}.", 0, 0)
    name = name or getattr(fn, "__name__", None)
    try:
        ex = get_exercise(name)
    except InputError as err:
        return Result(str(name), str(name), "error", f"{err}. Pass the name as well: check(fn, 'exercise_name').", 0, 0)
    return run_cases(fn, ex, ex.cases(np.random.default_rng(seed)), time_limit)


def run_cases(fn, ex, cases, time_limit=TIME_LIMIT):
    """Test ``fn`` on ``cases`` of exercise ``ex``, with the references removed -> ``Result``."""
    if is_course_code(ex, fn):
        return judge(ex, [], [], course_code=True)
    outcomes = []
    with references_removed(ex.notebook):
        for case in cases:  # stop at the first call that does not return: the rest would only repeat it
            outcomes.append(call_learner(fn, case, time_limit))
            if outcomes[-1].kind != "returned":
                break
    return judge(ex, cases, outcomes, time_limit)


def checks_raise():
    """True when a check that does not pass must raise rather than print: when nbgrader grades.

    nbgrader scores a grade cell by whether it raises, so a check that only printed would give full
    marks to a blank or wrong answer. We go by nbgrader's own signal: its autograde and validate set
    NBGRADER_EXECUTION ("autograde" / "validate") around the execution (nbgrader/converters/autograde.py,
    nbgrader/validator.py), and the kernel they start inherits it. It is nbgrader's documented way
    for a notebook to tell (its FAQ: "Can I modify the notebook behavior during autograding or
    validation?"), needs nothing from the instructor, works on the notebooks exactly as shipped, and
    covers validate too; hidden tests in the grade cells, the other candidate, come back only at
    autograde (not validate) and only for a release generated from solutions/. A learner's kernel in
    JupyterLab never has the variable, so there a check prints and "Run All" goes on.

    VGRAD_CHECK_RAISES, when set, decides instead: "1" raises (for another grader that scores by
    exceptions), any other value (say "0") never raises.
    """
    override = os.environ.get("VGRAD_CHECK_RAISES")
    if override:
        return override == "1"
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def check(fn, name=None):
    """Test your function for an exercise and print the verdict; on a failure, also a hint.

    ``check(sigmoid_prime)`` finds the exercise by the function's name;
    ``check(my_version, "sigmoid_prime")`` names it explicitly.

    Under nbgrader's autograde or validate (see ``checks_raise``), a check that does not pass
    raises AssertionError instead, so that it scores 0 there.
    """
    graded = checks_raise()
    try:
        res = run(fn, name)
    except Exception as exc:  # a fault of the course's own, never the learner's problem to debug
        if graded:  # a check that could not run has not shown the work correct: no points
            raise AssertionError(f"The check itself failed ({type(exc).__name__}: {exc}).") from exc
        print(f"The check itself failed ({type(exc).__name__}: {exc}). Please report this; your work is safe.")
        return
    if not res.passed and graded:
        raise AssertionError(res.message)
    if res.passed:
        print("✅ " + res.message)
        return
    if res.status == "not_attempted":
        print("⏳ " + res.message)
        return
    print("❌ " + res.message)
    if res.hint:  # the learner's result is a known mistake's: its own hint, before any generic one
        print("💡 " + res.hint)
    elif res.status in ("failed", "error") and res.hints:
        tries = _failed_attempts.get(res.exercise, 0)
        _failed_attempts[res.exercise] = tries + 1
        k = min(tries, len(res.hints) - 1)
        print(f"💡 Hint {k + 1}/{len(res.hints)}: {res.hints[k]}")


def ready(fn, name=None):
    """True when ``fn`` passes its exercise; otherwise say which exercise to finish first.

    For cells that use a learner's function: ``if ready(sigmoid_prime): ...``.
    """
    res = run(fn, name)
    if res.passed:
        return True
    print(f"⏭️ This cell uses your {getattr(fn, '__name__', 'function')}: finish {res.title} first "
          f"(its check says what is missing), then run this cell again.")
    return False
