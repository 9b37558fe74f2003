"""Exercises of notebook 03_activations."""
import numpy as np

from ..diagnostics import layer_stats
from ..nn.activations import elu, leaky_relu, leaky_relu_grad
from .registry import Case, Exercise, close, equal, register


def _activation_cases(rng):
    return [
        Case((np.array([-2.0, -0.5, 0.5, 2.0]),)),
        Case((np.linspace(-5, 5, 11),)),
        Case((rng.normal(0.0, 3.0, size=(3, 4)),)),
        Case((np.array([-1000.0, -30.0, 30.0, 1000.0]),)),
        Case((rng.normal(0.0, 2.0, size=6),), {"alpha": float(np.round(rng.uniform(0.05, 0.5), 2))}),
    ]


register(Exercise(
    name="leaky_relu",
    label="Exercise 3.1",
    notebook="03_activations",
    points=1,
    reference=leaky_relu,
    cases=_activation_cases,
    compare=close(rtol=1e-12, atol=1e-300),
    protected=(leaky_relu,),
    hints=(
        "Where a > 0 the output is a itself; elsewhere it is alpha * a.",
        "np.where(a > 0, a, alpha * a) does it for a whole array at once; keep the default alpha=0.01.",
    ),
))

register(Exercise(
    name="leaky_relu_grad",
    label="Exercise 3.2",
    notebook="03_activations",
    points=1,
    reference=leaky_relu_grad,
    cases=_activation_cases,
    compare=close(rtol=1e-12),
    protected=(leaky_relu_grad,),
    hints=(
        "The derivative is 1 where a > 0 and alpha elsewhere (take alpha at a = 0).",
        "np.where(a > 0, 1.0, alpha) — the result must have the shape of a, and floats, not booleans.",
    ),
))

register(Exercise(
    name="elu",
    label="Exercise 3.3",
    notebook="03_activations",
    points=2,
    reference=elu,
    cases=_activation_cases,
    compare=close(rtol=1e-10, atol=1e-300),
    protected=(elu,),
    hints=(
        "ELU(a) = a for a > 0 and alpha (e^a - 1) otherwise, with alpha = 1 by default.",
        "np.exp(1000) overflows: take the exponential of np.minimum(a, 0), which is never positive.",
        "np.expm1(x) computes e^x - 1 accurately for small x: alpha * np.expm1(np.minimum(a, 0)).",
    ),
))


def _count_dead(pre_activations):
    return int(np.sum(np.all(np.asarray(pre_activations) <= 0, axis=0)))


def _count_dead_cases(rng):
    cases = []
    for batch, units, dead in ((5, 4, 1), (20, 10, 3), (50, 32, 0), (8, 16, 16)):
        a = rng.normal(size=(batch, units))
        cols = rng.choice(units, size=dead, replace=False)
        a[:, cols] = -np.abs(a[:, cols])  # never positive: dead
        live = np.setdiff1d(np.arange(units), cols)
        a[rng.integers(batch), live] = np.abs(a[0, live]) + 0.1  # positive at least once: alive
        cases.append(Case((a,)))
    zero = np.zeros((4, 3))  # a unit at exactly 0 passes no gradient either
    zero[:, 0] = 1.0
    cases.append(Case((zero,)))
    return cases


register(Exercise(
    name="count_dead_units",
    label="Exercise 3.4",
    notebook="03_activations",
    points=2,
    reference=_count_dead,
    cases=_count_dead_cases,
    compare=equal,
    protected=(_count_dead, layer_stats),  # layer_stats counts dead units too
    hints=(
        "pre_activations has one row per input and one column per unit. A unit is dead when its "
        "pre-activation is <= 0 for every input: ReLU then outputs 0 and passes back no gradient.",
        "np.all(pre_activations <= 0, axis=0) gives one True/False per unit (per column).",
        "Count the Trues and return a whole number: int(np.sum(...)).",
    ),
))
