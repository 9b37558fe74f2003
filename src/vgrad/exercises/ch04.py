"""Exercises of notebook 04_initialization."""
from functools import partial

import numpy as np

from ..nn.activations import elu, leaky_relu, relu, sigmoid, tanh
from ..nn.init import he_normal, xavier_uniform
from ..theory import chi1, gain
from .registry import Case, Exercise, close, equal, register


def _init_cases(rng):
    # large matrices, so that the spread of the draw can be judged; a fresh generator per case
    return [Case((fan_in, fan_out, np.random.default_rng(int(rng.integers(2**31)))))
            for fan_in, fan_out in ((400, 300), (100, 900), (784, 64))]


def _same_distribution(kind):
    def compare(expected, got):
        got_arr = np.asarray(got, dtype=np.float64) if got is not None else None
        if got_arr is None or got_arr.shape != expected.shape:
            return f"expected an array of shape {expected.shape}, got {None if got is None else np.shape(got)}"
        target, spread = np.var(expected), np.var(got_arr)
        if abs(spread / target - 1) > 0.05:  # 120,000+ draws: a 5 % error is far outside chance
            return f"expected variance {target:.3e}, got {spread:.3e}"
        if abs(np.mean(got_arr)) > 5 * np.sqrt(target / got_arr.size):
            return f"expected mean 0, got {np.mean(got_arr):.2e}"
        if kind == "uniform":
            limit = np.abs(expected).max()
            if np.abs(got_arr).max() > limit * 1.001 or np.abs(got_arr).max() < limit * 0.98:
                return f"expected values spread evenly up to ±{limit:.4f}, got up to ±{np.abs(got_arr).max():.4f}"
        elif np.mean(np.abs(got_arr) > 2 * np.sqrt(target)) < 0.03:  # a normal has 4.6 % beyond 2 std
            return "expected a normal distribution (about 4.6 % of values beyond 2 standard deviations)"
        return None

    return compare


register(Exercise(
    name="he_normal",
    label="Exercise 4.1",
    notebook="04_initialization",
    points=1,
    reference=he_normal,
    cases=_init_cases,
    compare=_same_distribution("normal"),
    protected=(he_normal,),
    hints=(
        "He et al. (2015): Var(w) = 2 / fan_in, so the standard deviation is sqrt(2 / fan_in).",
        "rng.normal(0.0, std, size=(fan_in, fan_out)) draws the whole matrix.",
    ),
))

register(Exercise(
    name="xavier_uniform",
    label="Exercise 4.2",
    notebook="04_initialization",
    points=1,
    reference=xavier_uniform,
    cases=_init_cases,
    compare=_same_distribution("uniform"),
    protected=(xavier_uniform,),
    hints=(
        "Glorot & Bengio (2010): Var(w) = 2 / (fan_in + fan_out).",
        "U(-l, l) has variance l^2 / 3, so l = sqrt(6 / (fan_in + fan_out)); draw with "
        "rng.uniform(-l, l, size=(fan_in, fan_out)).",
    ),
))


def _gain_cases(rng):
    """The activation functions themselves: three fixed ones, and leaky ReLUs and ELUs whose alpha is
    drawn afresh (as a float, not rounded), so that no table of numbers stands in for the expectation.
    Partials of vgrad.nn's own functions: picklable, so the grader can send them to the sandbox."""
    cases = [Case((relu,)), Case((tanh,)), Case((sigmoid,))]
    for _ in range(2):
        cases.append(Case((partial(leaky_relu, alpha=float(rng.uniform(0.05, 0.95))),)))
        cases.append(Case((partial(elu, alpha=float(rng.uniform(0.3, 3.0))),)))
    return cases


register(Exercise(
    name="gain",
    label="Exercise 4.3",
    notebook="04_initialization",
    points=2,
    reference=gain,
    cases=_gain_cases,
    # "3 significant digits": half a unit in the third digit is at most 5e-3 of the value. A Monte-Carlo
    # mean over 10^6 draws is within about 1e-3; the wrong formulas are 3 % and more away.
    compare=close(rtol=5e-3),
    protected=(gain,),
    hints=(
        "The gain is 1 / sqrt(E[phi(z)^2]) for z ~ N(0, 1): compute the expectation numerically. phi is the "
        "function itself: call it on a whole array of z at once, phi(z) ** 2.",
        "On a fine grid z = np.linspace(-10, 10, 200001), E[f(z)] is about the sum of "
        "f(z) * exp(-z^2/2) / sqrt(2 pi) times the grid spacing. (The mean of phi(z) ** 2 over 10^6 draws "
        "of rng.standard_normal is close enough too.)",
        "It is the second moment E[phi(z)^2], not the variance: do not subtract the mean. For relu the "
        "answer is sqrt(2) = 1.4142; for partial(leaky_relu, alpha=a) it is sqrt(2 / (1 + a^2)).",
    ),
))


def _predict_reference(activation, sigma_w, sigma_b=0.0):
    return "vanishing" if chi1(activation, sigma_w, sigma_b) < 1 else "exploding"


def _predict_cases(rng):
    cases = [Case(("tanh", 0.8, 0.0)), Case(("tanh", 2.5, 0.5)), Case(("relu", 1.0, 0.0)), Case(("relu", 1.6, 0.0)),
             Case(("tanh", 1.2, 1.0))]
    while len(cases) < 9:  # random ones, away from the critical line where chi_1 is close to 1
        sw, sb = float(rng.uniform(0.3, 3.0)), float(rng.uniform(0.0, 1.0))  # unrounded: no table
        if abs(chi1("tanh", sw, sb) - 1) > 0.05:
            cases.append(Case(("tanh", sw, sb)))
    return cases


register(Exercise(
    name="predict_gradients",
    label="Exercise 4.4",
    notebook="04_initialization",
    points=2,
    reference=_predict_reference,
    cases=_predict_cases,
    compare=equal,
    protected=(_predict_reference,),
    hints=(
        "theory.chi1(activation, sigma_w, sigma_b) is the factor by which each layer multiplies the mean "
        "squared gradient.",
        "Return the string 'vanishing' when chi_1 < 1 and 'exploding' when chi_1 > 1.",
    ),
))
