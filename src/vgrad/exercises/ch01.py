"""Exercises of notebook 01_chain_rule."""
import numpy as np

from ..nn.activations import sigmoid_grad
from ..theory import depth_below, sigmoid_chain_bound
from .registry import Case, Exercise, close, equal, register


def _sigmoid_prime_cases(rng):
    return [
        Case((np.array([0.0]),)),
        Case((np.linspace(-6.0, 6.0, 13),)),
        Case((rng.normal(0.0, 3.0, size=(4, 5)),)),
        Case((np.array([-30.0, -10.0, 10.0, 30.0]),)),
    ]


register(Exercise(
    name="sigmoid_prime",
    label="Exercise 1.1",
    notebook="01_chain_rule",
    points=2,
    reference=sigmoid_grad,
    cases=_sigmoid_prime_cases,
    compare=close(rtol=1e-6, atol=1e-12),
    protected=(sigmoid_grad,),
    hints=(
        "Differentiate sigma(x) = 1 / (1 + e^-x): the result can be written with sigma(x) itself.",
        "sigma'(x) = sigma(x) * (1 - sigma(x)). Compute s = sigmoid(x) once, then return s * (1 - s).",
        "Work elementwise with numpy (np.exp, *, -): no Python loop is needed, and the output "
        "must have the same shape as x.",
    ),
))


def _chain_bound_cases(rng):
    cases = [Case((5, 1.0)), Case((10, 2.0)), Case((20, -3.0)), Case((3, 8.0)), Case((100, 1.0))]
    for _ in range(3):
        cases.append(Case((int(rng.integers(1, 60)), float(rng.uniform(-5, 5)))))  # unrounded: no table
    return cases


register(Exercise(
    name="chain_bound",
    label="Exercise 1.2",
    notebook="01_chain_rule",
    points=2,
    reference=lambda n, w: float(sigmoid_chain_bound(n, w)),
    cases=_chain_bound_cases,
    compare=close(rtol=1e-9, atol=0.0),
    protected=(sigmoid_chain_bound,),
    hints=(
        "Each of the n links multiplies the gradient by at most |w| * 1/4.",
        "The bound is (|w| / 4) ** n. Mind the absolute value: a negative weight still has a size.",
    ),
))


def _depth_below_cases(rng):
    cases = [Case((1e-3, 1.0)), Case((1e-6, 2.0)), Case((0.5, 1.0)), Case((1e-2, 4.0)), Case((1e-3, -6.0))]
    for _ in range(3):
        cases.append(Case((float(10 ** -rng.uniform(1, 12)), float(np.round(rng.uniform(0.2, 3.8), 2)))))
    return cases


register(Exercise(
    name="depth_below",
    label="Exercise 1.3",
    notebook="01_chain_rule",
    points=2,
    reference=depth_below,
    cases=_depth_below_cases,
    compare=equal,
    protected=(depth_below,),
    hints=(
        "Multiply a running bound by |w|/4 one link at a time and count the links until it drops below "
        "the threshold.",
        "When |w| >= 4 the bound never shrinks, so a loop would never end: return None in that case first.",
        "The answer is the smallest n >= 1 with (|w|/4)**n < threshold: a whole number of layers.",
    ),
))
