"""The exercise registry: one definition per exercise, used by the in-notebook ``check`` and by grading.

An exercise asks the learner to write one function. Its definition says how to test it:

- ``cases(rng)`` draws the test inputs (a list of ``Case``) from a random generator, so a
  check in the notebook (fixed seed) and a grader (a seed the learner cannot know) share it;
- ``reference`` computes the expected output of each case;
- ``compare(expected, got)`` returns None when ``got`` is right, else a short reason;
- ``hints`` are shown one at a time, a further one after each failed attempt;
- ``protected`` lists the course functions that compute the answer (the reference and what it
  wraps): a function that merely calls one of them earns no credit.
"""
import functools
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

def close(rtol=1e-6, atol=0.0):
    """Numbers or arrays equal to ``rtol``/``atol``, of the expected shape, with no NaN or inf where
    none is expected."""

    def compare(expected, got):
        expected = np.asarray(expected, dtype=np.float64)
        if got is None:
            return "expected a number or an array of numbers, got None (is a `return` missing?)"
        try:
            got_arr = np.asarray(got)
        except (TypeError, ValueError):
            got_arr = None
        if got_arr is None or got_arr.dtype.kind not in "iuf":
            return f"expected a number or an array of numbers, got {_describe(got)}"
        got_arr = got_arr.astype(np.float64)
        if got_arr.shape != expected.shape:
            what = "a single number" if expected.shape == () else f"an array of shape {expected.shape}"
            return f"expected {what}, got {_describe(got)}"
        if not np.all(np.isfinite(got_arr) | ~np.isfinite(expected)):
            return f"expected finite values, got {_short(got)} (an overflow? NaN or inf appeared)"
        if not np.allclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True):
            return f"expected {_short(expected)}, got {_short(got)}"
        return None

    return compare


def close_each(rtol=1e-6, atol=0.0):
    """A tuple of arrays, each compared with ``close``, such as (dx, dgamma, dbeta)."""
    one = close(rtol, atol)

    def compare(expected, got):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} arrays, got {_describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = one(e, g)
            if problem:
                return f"item {i} of the tuple: {problem}"
        return None

    return compare


def equal(expected, got):
    """Exactly equal (integers, None, strings)."""
    if isinstance(expected, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        if isinstance(got, (int, np.integer)) and int(got) == int(expected):
            return None
        if isinstance(got, (float, np.floating)) and float(got).is_integer() and int(got) == expected:
            return None
    elif got is expected or (type(got) is type(expected) and got == expected):
        return None
    return f"expected {_short(expected)}, got {_short(got)}"


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if x is None:
        return "None (is a `return` missing?)"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__} {_short(x)}"


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
        return f"{float(x):.6g}"
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)) and x and isinstance(x[0], float):
        arr = np.asarray(x)
        if arr.dtype.kind in "fc":
            text = np.array2string(arr, separator=", ", threshold=6, edgeitems=2,
                                   formatter={"float_kind": lambda v: f"{v:.6g}"})
        else:
            text = np.array2string(arr, separator=", ", threshold=6, edgeitems=2)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 3] + "..."
    text = " ".join(repr(x).split())
    return text if len(text) <= width else text[: width - 3] + "..."
