"""The mutant catalogue of notebook 01 (harness: tests/mutants.py)."""
import functools
import itertools
import math

import numpy as np
import pytest

from vgrad import chain, theory
from vgrad.exercises import EXERCISES
from vgrad.gradcheck import numerical_gradient
from vgrad.nn import get_activation, sigmoid, sigmoid_grad, tanh_grad

from mutants import GRADER_SEEDS, catalogue_tests, verdicts
from test_exercises import depth_below as _depth_loop_pow  # a while loop on the power

NOTEBOOK = "01_chain_rule"


# ---- answers written as a learner would write them ----------------------------------------------------

def _central_difference(h):
    def sigmoid_prime(x):
        return (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
    return sigmoid_prime


def _where_both_branches(x):
    s = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    return s * (1 - s)


def _list_loop(x):
    out = []
    for v in x:
        s = 1 / (1 + math.exp(-v))
        out.append(s * (1 - s))
    return out


def _flat_list_loop(x):
    out = []
    for v in np.ravel(x):
        z = math.exp(-abs(v))
        out.append(z / (1 + z) ** 2)
    return out


def _math_loop(x):  # right: a loop over the elements, put back into x's shape
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        z = math.exp(-abs(x[i]))
        out[i] = z / (1 + z) ** 2
    return out


def _stable_exp(x):
    z = np.exp(-np.abs(x))
    return z / (1 + z) ** 2


def _depth_count(threshold, w=1.0):
    factor = abs(w) / 4
    if factor >= 1:
        return None
    for n in itertools.count(1):
        if factor**n < threshold:
            return n


def _depth_log_corrected(threshold, w=1.0):
    factor = abs(w) / 4
    if factor >= 1:
        return None
    n = max(1, math.floor(math.log(threshold) / math.log(factor)) + 1)
    while factor**n >= threshold:  # the logarithms may round either way: step to the exact boundary
        n += 1
    while n > 1 and factor ** (n - 1) < threshold:
        n -= 1
    return n


def _depth_capped(threshold, w, none_when):
    """A loop (bounded, so that the catalogue always returns) with its own test for None."""
    factor = abs(w) / 4
    if none_when(abs(w)):
        return None
    n, bound = 1, factor
    while bound >= threshold and n < 10_000:
        n += 1
        bound *= factor
    return n


_FIXED_ANSWERS = {(5, 1.0): 0.25**5, (10, 2.0): 0.5**10, (7, -3.0): 0.75**7, (3, 8.0): 8.0, (100, 1.0): 0.25**100}


WRONG = {
    "sigmoid_prime": {
        "the course's sigmoid_grad, wrapped": lambda x: sigmoid_grad(x),
        "the course's sigmoid_grad through partial": functools.partial(sigmoid_grad),
        "the course's activation table": lambda x: get_activation("sigmoid").df(x),
        "the course's tanh_grad at x/2, over 4": lambda x: tanh_grad(x / 2) / 4,
        "the course's chain_backward, one link": lambda x: np.vectorize(
            lambda v: chain.chain_backward([1.0], [v])[0])(x),
        "in float32": lambda x: (lambda s: s * (1 - s))(sigmoid(np.asarray(x, dtype=np.float32))),
        "a Python loop that returns a list": _list_loop,
        "a loop over the flattened x, returned as a list": _flat_list_loop,
        "np.gradient of sigmoid(x) along x": lambda x: np.gradient(sigmoid(x), x),
        "central difference, step 1e-5": _central_difference(1e-5),
        "central difference, step 1e-3": _central_difference(1e-3),
        "central difference, step 1e-4": _central_difference(1e-4),
        "forward difference, step 1e-8": lambda x: (sigmoid(x + 1e-8) - sigmoid(x)) / 1e-8,
        "the course's numerical_gradient": lambda x: numerical_gradient(lambda: np.sum(sigmoid(x)), x),
        "np.where still computes both branches": _where_both_branches,
        "1 / (2 + e^x + e^-x)": lambda x: 1 / (2 + np.exp(x) + np.exp(-x)),
        "1 / (4 cosh(x/2)^2)": lambda x: 0.25 / np.cosh(x / 2) ** 2,
        "x clipped to [-30, 30] against overflow": lambda x: _stable_exp(np.clip(x, -30, 30)),
        "the tanh form without halving x": lambda x: 0.25 * (1 - np.tanh(x) ** 2),
        "the maximum, 1/4, everywhere": lambda x: np.full(np.shape(x), 0.25),
        "the flattened result": lambda x: _stable_exp(x).ravel(),
        "the mean of sigma'": lambda x: float(np.mean(_stable_exp(x))),
        "rounded to 6 decimals": lambda x: np.round(_stable_exp(x), 6),
    },
    "chain_bound": {
        "the course's sigmoid_chain_bound, wrapped": lambda n, w: float(theory.sigmoid_chain_bound(n, w)),
        "the course's sigmoid_chain_bound through partial": functools.partial(theory.sigmoid_chain_bound),
        "w^n / 4^n, without abs": lambda n, w: w**n / 4**n,
        "math.pow without abs": lambda n, w: math.pow(w / 4, n),
        "capped at 1, as if a gradient could not grow": lambda n, w: min(1.0, (abs(w) / 4) ** n),
        "integer division by 4": lambda n, w: (abs(w) // 4) ** n,
        "w squared instead of |w|": lambda n, w: (w * w / 4) ** n,
        "in float32": lambda n, w: np.float32(abs(w) / 4) ** np.float32(n),
        "in an array of shape (1,)": lambda n, w: np.array([(abs(w) / 4) ** n]),
        "the bounds of every depth up to n": lambda n, w: [(abs(w) / 4) ** k for k in range(1, n + 1)],
        "rounded to 4 significant digits": lambda n, w: float(f"{(abs(w) / 4) ** n:.4g}"),
        "a constant (the first case's answer)": lambda n, w: 0.0009765625,
        "a table of the fixed cases' answers": lambda n, w: _FIXED_ANSWERS.get((n, w), 0.0),
    },
    "depth_below": {
        "the course's depth_below, wrapped": lambda t, w=1.0: theory.depth_below(t, w),
        "the course's depth_below through partial": functools.partial(theory.depth_below),
        "a loop over the course's sigmoid_chain_bound": lambda t, w=1.0: None if abs(w) >= 4 else next(
            n for n in itertools.count(1) if theory.sigmoid_chain_bound(n, w) < t),
        "ceil of the log ratio, at least 1": lambda t, w=1.0: None if abs(w) >= 4 else max(
            1, math.ceil(math.log(t) / math.log(abs(w) / 4))),
        "floor of the log ratio, plus 1": lambda t, w=1.0: None if abs(w) >= 4 else (
            math.floor(math.log(t) / math.log(abs(w) / 4)) + 1),
        "floor of the log10 ratio, plus 1, at least 1": lambda t, w=1.0: None if abs(w) >= 4 else max(
            1, math.floor(math.log10(t) / math.log10(abs(w) / 4)) + 1),
        "rounded log ratio": lambda t, w=1.0: None if abs(w) >= 4 else round(math.log(t) / math.log(abs(w) / 4)),
        "the log ratio, not rounded": lambda t, w=1.0: None if abs(w) >= 4 else math.log(t) / math.log(abs(w) / 4),
        "None only when |w| > 4": lambda t, w=1.0: _depth_capped(t, w, lambda size: size > 4),
        "None only when w >= 4 (a negative w never gives None)": lambda t, w=1.0: _depth_capped(
            t, w, lambda size: w >= 4),
        "one layer too many": lambda t, w=1.0: None if abs(w) >= 4 else _depth_loop_pow(t, w) + 1,
        "the depth in an array": lambda t, w=1.0: None if abs(w) >= 4 else np.array([_depth_loop_pow(t, w)]),
        "a constant (the first case's answer)": lambda t, w=1.0: 5,
    },
}

RIGHT = {
    "sigmoid_prime": {
        "exponentials of -|x| only": _stable_exp,
        "the tanh form, 1/4 (1 - tanh(x/2)^2)": lambda x: 0.25 * (1 - np.tanh(x / 2) ** 2),
        "sigma(x) sigma(-x)": lambda x: sigmoid(x) * sigmoid(-x),
        "s - s^2": lambda x: (lambda s: s - s * s)(sigmoid(x)),
        "in log space, with logaddexp": lambda x: np.exp(-np.logaddexp(0, x) - np.logaddexp(0, -x)),
        "a loop with math.exp, in x's shape": _math_loop,
        "x clipped to [-500, 500] against overflow": lambda x: _stable_exp(np.clip(x, -500, 500)),
    },
    "chain_bound": {
        "a loop of n multiplications": lambda n, w: functools.reduce(lambda b, _: b * abs(w) / 4, range(n), 1.0),
        "exp of n log": lambda n, w: math.exp(n * math.log(abs(w) / 4)),
        "abs of (w/4)^n": lambda n, w: abs((w / 4) ** n),
        "the square root of w^2, via a half power": lambda n, w: (w * w / 16) ** (n / 2),
        "math.pow and a constant": lambda n, w: math.pow(abs(w) * 0.25, n),
    },
    "depth_below": {
        "a while loop on the power": _depth_loop_pow,
        "itertools.count": _depth_count,
        "a log formula, then exact steps": _depth_log_corrected,
    },
}

try:  # SciPy is not a course dependency; where it is installed, its expit gives another right answer
    from scipy.special import expit
except ImportError:
    pass
else:
    RIGHT["sigmoid_prime"]["scipy.special.expit"] = lambda x: expit(x) * expit(-x)


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)


def _as_learner(answer):
    """``answer`` as a function of the learner's (the registry's mistakes live in the course's own
    module, which a check would call the course's own work)."""
    def learner(*args, **kwargs):
        return answer(*args, **kwargs)
    return learner


@pytest.mark.parametrize("name, mistake", [(ex.name, m) for ex in EXERCISES.values() if ex.notebook == NOTEBOOK
                                           for m in ex.mistakes], ids=lambda v: getattr(v, "name", v))
def test_every_mistake_written_by_a_learner_fails_with_its_own_hint(name, mistake):
    """A registry mistake as a learner would submit it: it fails (not "course code") on every seed, and on
    the notebook's seed the check shows that mistake's own hint."""
    for k, res in verdicts(_as_learner(mistake.answer), name):
        where = "the notebook's seed" if k < 0 else f"grader seed {k}"
        assert res.status == "failed" and res.points == 0, f"{name} / {mistake.name} on {where}: {res.message}"
        if k < 0:
            assert res.hint == mistake.hint, f"{name} / {mistake.name} shows {res.hint!r}"


def test_every_grader_draw_holds_the_cases_that_separate_the_mistakes():
    """What the cases promise, on every draw: chain_bound has a negative weight with an odd n; depth_below
    has exact powers (|w|/4 a power of two, so exact in float64) and both signs of w."""
    from mutants import _cases

    for k in range(-1, GRADER_SEEDS):
        assert any(n % 2 == 1 and w < 0 for (n, w) in (c.args for c in _cases("chain_bound", k)))
        args = [c.args for c in _cases("depth_below", k)]
        exact = [(t, w) for t, w in args if abs(w) < 4 and math.log2(abs(w) / 4).is_integer()
                 and math.log2(t).is_integer()]
        assert len(exact) >= 3 and any(w < 0 for _, w in args if abs(w) < 4)
        assert any(abs(w) >= 4 for _, w in args) and any(t >= 1 for t, _ in args)
