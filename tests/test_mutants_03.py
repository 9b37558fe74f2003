"""The mutant catalogue of notebook 03 (harness: tests/mutants.py)."""
import math
from functools import partial

import numpy as np

from vgrad import diagnostics, nn
from vgrad.exercises import EXERCISES
from vgrad.exercises.runner import NOTEBOOK_SEED, run_cases

from mutants import catalogue_tests
NOTEBOOK = "03_activations"


def _in_place_leaky(a, alpha=0.01):  # right values, but the caller's array is changed
    a[a <= 0] *= alpha
    return a


def _elu_math_exp_everywhere(a, alpha=1.0):  # e^a for every element, then chooses: OverflowError at 1000
    flat = [(x, alpha * (math.exp(x) - 1)) for x in np.ravel(a)]
    return np.array([x if x > 0 else neg for x, neg in flat]).reshape(np.shape(a))


class _Net:  # what layer_stats reads
    pass


def _dead_by_layer_stats(p):
    net = _Net()
    net.act, net.pre_activations, net.activations = nn.get_activation("relu"), [p], [p]
    net.deltas, net.layers = [p], []
    return int(round(diagnostics.layer_stats(net)["dead"][0] * p.shape[1]))


WRONG = {
    "leaky_relu": {
        "in float32": lambda a, alpha=0.01: np.where(a > 0, a, alpha * a).astype(np.float32),
        "alpha (a constant) on the negative side": lambda a, alpha=0.01: np.where(a > 0, a, alpha),
        "alpha * |a| on the negative side": lambda a, alpha=0.01: np.where(a > 0, a, alpha * np.abs(a)),
        "alpha only by name (keyword-only)": lambda a, *, alpha=0.01: np.where(a > 0, a, alpha * a),
        "the first case's answer": lambda a, alpha=0.01: np.array([-0.02, -0.005, 0.0, 0.5, 2.0]),
        "the course's leaky_relu through partial": lambda a, alpha=0.01: partial(nn.leaky_relu, alpha=alpha)(a),
        "the course's slope times a": lambda a, alpha=0.01: nn.leaky_relu_grad(a, alpha) * a,
        "the course's table of activations": lambda a, alpha=0.01: nn.ACTIVATIONS["leaky_relu"].f(a, alpha),
    },
    "leaky_relu_grad": {
        "in float32": lambda a, alpha=0.01: np.where(a > 0, 1.0, alpha).astype(np.float32),
        "1 + alpha where a > 0": lambda a, alpha=0.01: (a > 0) + alpha,
        "one number, not one per element": lambda a, alpha=0.01: 1.0 if np.all(a > 0) else alpha,
        "the course's leaky_relu divided by a": lambda a, alpha=0.01: np.where(
            a != 0, nn.leaky_relu(a, alpha) / np.where(a != 0, a, 1.0), alpha),
        "the course's table of activations": lambda a, alpha=0.01: nn.get_activation("leaky_relu").df(a, alpha),
    },
    "elu": {
        "in float32": lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))).astype(np.float32),
        "np.where with np.expm1(a): overflows too": lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.expm1(a)),
        "math.exp for every element": _elu_math_exp_everywhere,
        "ReLU": lambda a, alpha=1.0: np.maximum(a, 0.0),
        "only the negative side": lambda a, alpha=1.0: alpha * np.expm1(np.minimum(a, 0.0)),
        "the course's elu": lambda a, alpha=1.0: nn.elu(a, alpha=alpha),
        "the course's elu_grad minus alpha": lambda a, alpha=1.0: np.where(a > 0, a, nn.elu_grad(a, alpha) - alpha),
    },
    "count_dead_units": {
        "a constant": lambda p: 3,
        "the mask as floats": lambda p: np.all(p <= 0, axis=0).astype(float),
        "max < 0": lambda p: int(np.sum(p.max(axis=0) < 0)),
        "True/False: is any unit dead?": lambda p: bool(np.any(np.all(p <= 0, axis=0))),
        "counts the dead units of the transposed layer": lambda p: int(np.sum(np.all(p.T <= 0, axis=0))),
        "the course's layer_stats": _dead_by_layer_stats,
    },
}


def _leaky_loop(a, alpha=0.01):
    out = np.empty(np.shape(a))
    for i, x in np.ndenumerate(a):
        out[i] = x if x > 0 else alpha * x
    return out


def _leaky_grad_fill(a, alpha=0.01):
    g = np.full(np.shape(a), float(alpha))
    g[a > 0] = 1.0
    return g


def _elu_mask(a, alpha=1.0):
    out = np.array(a, dtype=float)
    neg = out <= 0
    out[neg] = alpha * (np.exp(out[neg]) - 1)
    return out


def _elu_loop(a, alpha=1.0):
    return np.vectorize(lambda x: x if x > 0 else alpha * math.expm1(x), otypes=[float])(a)


def _count_loop(pre_activations):
    n = 0
    for j in range(pre_activations.shape[1]):
        if all(v <= 0 for v in pre_activations[:, j]):
            n += 1
    return n


RIGHT = {
    "leaky_relu": {
        "max(a, alpha * a), for 0 < alpha < 1": lambda a, alpha=0.01: np.maximum(a, alpha * a),
        ">= at 0 (both sides give 0)": lambda a, alpha=0.01: np.where(a >= 0, a, alpha * a),
        "a loop": _leaky_loop,
        "two ReLUs": lambda a, alpha=0.01: np.maximum(a, 0) - alpha * np.maximum(-a, 0),
    },
    "leaky_relu_grad": {
        "1 - (1 - alpha) * (a <= 0)": lambda a, alpha=0.01: 1.0 - (1.0 - alpha) * (a <= 0),
        "filled with alpha, then 1 where a > 0": _leaky_grad_fill,
        "np.piecewise": lambda a, alpha=0.01: np.piecewise(np.asarray(a, float), [a > 0], [1.0, alpha]),
    },
    "elu": {
        "e^a - 1 on the negative entries only": _elu_mask,
        "a loop with math.expm1": _elu_loop,
        ">= at 0 (ELU is continuous there)": lambda a, alpha=1.0: np.where(
            a >= 0, a, alpha * (np.exp(np.minimum(a, 0)) - 1)),
        "np.piecewise": lambda a, alpha=1.0: np.piecewise(
            np.asarray(a, float), [a > 0], [lambda x: x, lambda x: alpha * np.expm1(x)]),
    },
    "count_dead_units": {
        "max over the inputs <= 0": lambda p: int(np.sum(p.max(axis=0) <= 0)),
        "a loop over the columns": _count_loop,
        "count_nonzero of no positive entry": lambda p: np.count_nonzero(~np.any(p > 0, axis=0)),
        "ReLU's outputs all 0": lambda p: int(np.all(np.maximum(p, 0) == 0, axis=0).sum()),
    },
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)


def test_an_activation_that_changes_its_input_still_passes():
    """The check calls a learner's function on a copy of each case, so it cannot see the input changed;
    for Leaky ReLU the signs stay, and nothing downstream in the course goes wrong (lessons/03 notes it)."""
    ex = EXERCISES["leaky_relu"]
    assert run_cases(_in_place_leaky, ex, ex.cases(np.random.default_rng(NOTEBOOK_SEED))).passed
