"""The exercise registry: one definition per exercise, used by the in-notebook ``check`` and by grading.

An exercise asks the learner to write one function. Its definition says how to test it:

- ``cases(rng)`` draws the test inputs (a list of ``Case``) from a random generator, so a
  check in the notebook (fixed seed) and a grader (a seed the learner cannot know) share it;
- ``reference`` computes the expected output of each case;
- ``compare(expected, got)`` returns None when ``got`` is right, else a short reason;
- ``hints`` are shown one at a time, a further one after each failed attempt; none of them is the
  whole answer;
- ``mistakes`` are the plausible wrong answers, each with the hint for it: when a learner's result
  is what a mistake gives, that mistake's hint is shown first (``tests/test_mutants_*.py`` proves that
  every mistake fails, on the notebook's seed and on the grader's);
- ``consistent(cases, values)`` judges what no single case can (a random initialiser must give the
  same draw from the same generator state, and different draws from different states);
- ``no_warnings``: the text asks for a function that does not overflow, so a NumPy warning inside
  the learner's function fails the case;
- ``protected`` lists the course functions that compute the answer (the reference, what it wraps,
  and the class methods that compute the same): a function that calls one of them earns no credit,
  in the notebook's check and in the grader alike (``runner.references_removed``,
  ``grading.isolation.stage``).
"""
import functools
import re
import types
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Case:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def call_text(self, name):
        parts = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer: ``answer`` is written as a learner would write it (same signature as
    the exercise's function), ``hint`` says what it gets wrong without giving the whole answer away.
    ``matches(value, got)``, when given, decides whether ``got`` is what the mistake gives (default:
    the exercise's own comparison, with the mistake's result as the expected value)."""

    name: str
    answer: Callable
    hint: str
    matches: Callable = None


@dataclass(frozen=True)
class Exercise:
    name: str  # the function the learner writes; also the exercise's id
    label: str  # how the notebook names it, e.g. "Exercise 1.2"
    notebook: str  # e.g. "01_chain_rule"
    points: int
    reference: Callable
    cases: Callable[[np.random.Generator], list]
    compare: Callable
    hints: tuple
    protected: tuple = ()
    mistakes: tuple = ()
    consistent: Callable = None  # (cases, values) -> None, or what is wrong across the cases
    no_warnings: bool = False

    @property
    def title(self):
        return f"{self.label} ({self.name})"


EXERCISES = {}


def register(exercise):
    if exercise.name in EXERCISES:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    EXERCISES[exercise.name] = exercise
    return exercise


def get_exercise(name):
    """The registered exercise called ``name``, or a ``ValueError`` listing the exercises there are."""
    try:
        return EXERCISES[name]
    except (KeyError, TypeError):
        raise InputError(
            f"there is no exercise called {name!r}; the exercises are: {', '.join(sorted(EXERCISES))}"
        ) from None


# ---- comparisons: None when right, else what is wrong, in a learner's words -------------------

def tolerance_text(rtol, atol=0.0):
    """How close a check asks a result to be, in words: 'a relative error of at most 1e-09'."""
    text = f"a relative error of at most {rtol:.0e}" if rtol else "exact values"
    return text + (f", or an absolute error of at most {atol:.0e} near 0" if atol and atol > 1e-200 else "")


def apart(e, g):
    """``e`` and ``g`` printed with just enough significant digits (6 to 17) to tell them apart."""
    for p in range(6, 18):
        a, b = f"{e:.{p}g}", f"{g:.{p}g}"
        if a != b:
            break
    else:
        a, b = f"{e!r}", f"{g!r}"
    return tuple(t if any(c in t for c in ".en") else t + "." for t in (a, b))


def _above(error, allowed):
    """``error`` in as few digits (2 to 6) as show that it exceeds ``allowed``: 1.016e-06 against 1e-06
    prints as 1.02e-06, not as 1.0e-06."""
    for p in range(1, 6):
        text = f"{error:.{p}e}"
        if float(text) > allowed:
            return text
    return text


def plain(x, depth=0):
    """True for an array, a number, or lists and tuples of them: what NumPy can read without calling a
    learner's own ``__len__`` or ``__getitem__`` (which could go on for ever)."""
    if isinstance(x, (np.ndarray, np.generic, int, float, complex)):
        return True
    return type(x) in (list, tuple) and depth < 32 and all(plain(item, depth + 1) for item in x)


def numbers(got):
    """``got`` as a float64 array, or a learner's-words reason why it is not an array of numbers."""
    if got is None:
        return None, "got None (is a `return` missing?)"
    try:
        arr = np.asarray(got) if plain(got) else None
    except (TypeError, ValueError, RecursionError):
        arr = None
    if arr is not None and arr.dtype.kind == "c":
        return None, ("got complex numbers (an imaginary part appeared: the square root or the log of a negative "
                      "number?)")
    if arr is None or arr.dtype.kind not in "biuf":
        items = " whose items are not all numbers" if isinstance(got, (list, tuple, np.ndarray)) and np.size(arr) else ""
        return None, f"got {describe(got)}{items}"
    if arr.dtype.kind == "b":
        return None, ("got True/False values (booleans) where numbers are expected: turn them into numbers, "
                      "for example with .astype(float)")
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        return None, (f"got {arr.dtype.name} values, which keep only about {np.finfo(arr.dtype).precision} "
                      f"significant digits: return float64, NumPy's default (is there an "
                      f".astype({arr.dtype.name}) or a dtype= somewhere?)")
    return arr.astype(np.float64), None


def difference(expected, got_arr, rtol, atol):
    """None when ``got_arr`` equals ``expected`` (float64 arrays of one shape) to rtol/atol, else the
    first element that differs, by index, with enough digits to see the difference, its relative
    error and the tolerance."""
    bad = ~np.isclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    e, g = float(expected[where]), float(got_arr[where])
    at = "" if expected.shape == () else f"at index {list(where) if len(where) > 1 else where[0]}: "
    count = "" if expected.size == 1 else f"{int(bad.sum())} of {expected.size} values differ; the first, "
    if not np.isfinite(g):
        return f"{count}{at}expected {e:.6g}, got {g}, which is not a finite number (an overflow? NaN or inf appeared)"
    a, b = apart(e, g)
    rel = abs(g - e) / abs(e) if e != 0 else float("inf")
    error = f"relative error {_above(rel, rtol)}" if e != 0 else f"absolute error {_above(abs(g - e), atol)}"
    return f"{count}{at}expected {a}, got {b} ({error}; the check allows {tolerance_text(rtol, atol)})"


def close(rtol=1e-6, atol=0.0):
    """Numbers or arrays equal to ``rtol``/``atol``, of the expected shape, float64 (or whole
    numbers), with no NaN or inf where none is expected."""

    def compare(expected, got):
        expected = np.asarray(expected, dtype=np.float64)
        got_arr, problem = numbers(got)
        if problem:
            return f"expected {'a number' if expected.shape == () else 'an array of numbers'}, {problem}"
        if got_arr.shape != expected.shape:
            what = "a single number" if expected.shape == () else f"an array of shape {expected.shape}"
            return f"expected {what}, got {describe(got)}"
        return difference(expected, got_arr, rtol, atol)

    compare.rtol, compare.atol = rtol, atol
    return compare


def close_each(rtol=1e-6, atol=0.0, names=None):
    """A tuple of arrays, each compared with ``close``, such as (dx, dgamma, dbeta): ``names`` says
    what each item is, for the feedback."""
    one = close(rtol, atol)

    def compare(expected, got):
        what = f"({', '.join(names)})" if names else f"a tuple of {len(expected)} arrays"
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {what}, got {describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = one(e, g)
            if problem:
                return f"{names[i] if names else f'item {i} of the tuple'}: {problem}"
        return None

    return compare


def equal(expected, got):
    """Exactly equal (integers, None); strings as labels, in any case and without stray spaces (as 2.3
    reads them)."""
    if isinstance(expected, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        if isinstance(got, (int, np.integer)) and int(got) == int(expected):
            return None
        if isinstance(got, (float, np.floating)) and float(got).is_integer() and int(got) == expected:
            return None
    elif got is expected or (type(got) is type(expected) and got == expected):
        return None
    elif isinstance(expected, str) and isinstance(got, str) and str(got).strip().lower() == expected.lower():
        return None  # NumPy's str_ too
    return f"expected {_short(expected)}, got {_short(got)}"


def describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}" + ("" if x.dtype.kind in "biuf" else f" and dtype {x.dtype}")
    if x is None:
        return "None (is a `return` missing?)"
    if type(x).__name__ == "Opaque":  # what the grader received in place of a value it does not carry
        return f"a {x.type_name} that cannot be read as numbers"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__} {_short(x)}"


def _float(v):
    """A float at 6 significant digits that still reads as a float: 35.0 is '35.', not '35'."""
    text = f"{v:.6g}"
    return text if any(c in text for c in ".en") else text + "."


def _short(x, width=60):
    """A one-line text for a value, at fixed precision so that feedback is reproducible."""
    if isinstance(x, np.random.Generator):
        return "rng"
    if isinstance(x, functools.partial):  # as written, without the function's memory address
        parts = [_short(x.func, width)] + [_short(a, width) for a in x.args]
        parts += [f"{k}={_short(v, width)}" for k, v in x.keywords.items()]
        text = f"partial({', '.join(parts)})"
        return text if len(text) <= width else text[: width - 3] + "..."
    if isinstance(x, (types.FunctionType, types.BuiltinFunctionType, np.ufunc)) and x.__name__ != "<lambda>":
        return x.__name__
    if isinstance(x, (float, np.floating)) or isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind == "f":
        return _float(float(x))
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)) and x and isinstance(x[0], float):
        arr = np.asarray(x)
        if arr.dtype.kind in "fc":
            text = np.array2string(arr, separator=", ", threshold=6, edgeitems=2, formatter={"float_kind": _float})
        else:
            text = np.array2string(arr, separator=", ", threshold=6, edgeitems=2)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 3] + "..."
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", " ".join(repr(x).split()))  # no memory address: reproducible
    return text if len(text) <= width else text[: width - 3] + "..."
