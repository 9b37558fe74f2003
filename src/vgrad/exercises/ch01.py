"""Exercises of notebook 01_chain_rule."""
import math

import numpy as np

from ..nn.activations import sigmoid_grad, tanh_grad
from ..theory import depth_below, sigmoid_chain_bound
from .registry import Case, Exercise, Mistake, close, equal, plain, register


# ---- Exercise 1.1: sigma'(x) ------------------------------------------------------------------------

def _sigmoid_prime_cases(rng):
    tails = np.concatenate([[-35.0, -20.0, 12.0, 16.0, 20.0, 25.0, 30.0],
                            -rng.uniform(10.0, 40.0, size=2), rng.uniform(10.0, 36.0, size=3)])
    return [
        Case((np.array([1.0]),)),
        Case((np.linspace(-6.0, 6.0, 13),)),  # 0 included: the maximum, 1/4
        Case((np.array(rng.uniform(-4.0, 4.0)),)),  # a single number, as a 0-d array (the notebook uses one)
        Case((rng.normal(0.0, 3.0, size=(4, 5)),)),
        # The tails, where sigma' is tiny: only a formula is accurate there (a finite difference is
        # off by its rounding error, about 1e-16 / step, where sigma(x) is close to 1).
        Case((tails,)),
        # Where np.exp(-x) or np.exp(x) overflows: the text asks for no overflow, even at +-1000.
        Case((np.array([-1000.0, -710.0, -50.0, 0.5, 50.0, 710.0, 1000.0]),)),
    ]


def _naive_sigmoid_prime(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def _not_finite(value, got):
    """True when ``got`` holds a NaN or an infinity (where sigma' never has one)."""
    try:
        return plain(got) and not np.all(np.isfinite(np.asarray(got, dtype=np.float64)))
    except (TypeError, ValueError):
        return False


register(Exercise(
    name="sigmoid_prime",
    label="Exercise 1.1",
    notebook="01_chain_rule",
    points=2,
    reference=sigmoid_grad,
    cases=_sigmoid_prime_cases,
    compare=close(rtol=1e-9, atol=1e-15),
    no_warnings=True,
    # tanh_grad(x / 2) / 4 is sigma'(x) to the last bit: the course's derivative code doing the work.
    protected=(sigmoid_grad, tanh_grad),
    hints=(
        "Differentiate sigma(x) = 1 / (1 + e^-x) with the chain rule, as section 2 does: the result can be "
        "written with sigma(x) itself.",
        "Section 2 writes sigma' in terms of sigma itself, and the `sigmoid` imported above computes sigma for a "
        "whole array at once, without overflow: compute it once and build sigma' from it.",
        "NumPy operations work elementwise on an array of any shape, so the result keeps the shape of x, even "
        "for a 0-d array such as np.array(2.0) (a Python loop that collects a list does not). If you write "
        "your own exponentials, take them only of -|x| (they lie in (0, 1]); sigma' is symmetric, "
        "sigma'(-x) = sigma'(x).",
    ),
    mistakes=(
        Mistake("the right values, but np.exp overflows", _naive_sigmoid_prime,
                "Your values are right, but NumPy overflowed on the way: e^-x at x = -1000 (or e^x, or cosh(x/2)^2, "
                "at x = 1000) is far beyond float64's largest number, about 1.8e308, even where the final result "
                "is 0. np.where does not help: it computes both of its branches for every element. Build on "
                "`sigmoid`, which never overflows, or take exponentials of -|x| only."),
        Mistake("inf / inf = NaN where np.exp overflows", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
                "Your result holds NaN (or inf) for large |x|: np.exp of a large number overflows to inf, and "
                "inf / inf is NaN. sigma'(-x) = sigma'(x), so exponentials of -|x| suffice, and those never "
                "overflow; or build on `sigmoid`.", matches=_not_finite),
        Mistake("returns sigma itself", lambda x: 1 / (1 + np.exp(-x)),
                "Your result is sigma(x) itself, not its derivative: sigma'(0) is 1/4, not 1/2. Section 2 "
                "derives sigma' in terms of sigma."),
        Mistake("1 + sigma instead of 1 - sigma", lambda x: (1 / (1 + np.exp(-x))) * (1 + 1 / (1 + np.exp(-x))),
                "Your result is sigma(x) (1 + sigma(x)): the second factor is e^-x / (1 + e^-x), which is "
                "1 MINUS sigma(x)."),
        Mistake("the derivative with the wrong sign", lambda x: -np.exp(-x) / (1 + np.exp(-x)) ** 2,
                "Your values have the right size but are negative: the sigmoid rises everywhere, so its slope is "
                "positive. The chain rule gives two minus signs, one from (1 + e^-x)^-1 and one from the "
                "derivative of e^-x: they cancel."),
        Mistake("the square in the denominator forgotten", lambda x: np.exp(-x) / (1 + np.exp(-x)),
                "Your result is e^-x / (1 + e^-x), which is 1 - sigma(x): the derivative of (1 + e^-x)^-1 "
                "brings a SQUARED denominator, (1 + e^-x)^-2."),
        Mistake("tanh's derivative", lambda x: 1 - np.tanh(x) ** 2,
                "Your result is 1 - tanh(x)^2, the derivative of tanh (its largest value is 1, at 0). The sigmoid "
                "is a different function: its derivative peaks at 1/4."),
    ),
))


# ---- Exercise 1.2: the chain bound ---------------------------------------------------------------------

def _chain_bound_cases(rng):
    cases = [Case((5, 1.0)), Case((10, 2.0)), Case((7, -3.0)), Case((3, 8.0)), Case((100, 1.0))]
    # Unrounded, so that no table of answers can hold them; one with a negative weight and an odd n
    # in every draw (the sign is what |w| is for).
    cases.append(Case((int(2 * rng.integers(0, 30) + 1), -float(rng.uniform(0.5, 5.0)))))
    cases.append(Case((int(rng.integers(1, 60)), float(rng.uniform(-5.0, 5.0)))))
    cases.append(Case((int(rng.integers(1, 60)), float(rng.uniform(0.2, 3.9)))))
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
        "One link multiplies the gradient by w * sigma'(a), and sigma'(a) is at most 1/4 (Exercise 1.1): how "
        "large can one link's factor be?",
        "n links give n such factors, multiplied together: that is a power, not a product with n.",
        "A bound on a size is never negative: a weight of -3 has size 3, and a negative factor raised to an odd "
        "power stays negative.",
    ),
    mistakes=(
        Mistake("forgets |w|", lambda n, w: (w / 4) ** n,
                "Your result is negative: a negative weight with an odd n. The bound is on the SIZE of the "
                "gradient, so it takes the size of the weight, |w|."),
        Mistake("multiplies by 4 instead of dividing", lambda n, w: (abs(w) * 4) ** n,
                "Your bound grows like 4^n: each link's factor is at most |w| times 1/4, the sigmoid's largest "
                "slope, so divide by 4."),
        Mistake("times n instead of to the n", lambda n, w: abs(w) / 4 * n,
                "Your result is one link's factor times n: the n factors multiply, so the factor is raised to the "
                "n-th power."),
        Mistake("one factor too few", lambda n, w: (abs(w) / 4) ** (n - 1),
                "Your bound has one factor too few: a chain of n units has n links, each with its own factor "
                "(n = 1: one factor, |w|/4)."),
        Mistake("only the weight raised to the n", lambda n, w: abs(w) ** n / 4,
                "Your result divides by 4 only once: every link brings its own 1/4, so the 4 is raised to the "
                "n-th power as well."),
        Mistake("ignores w", lambda n, w: 0.25 ** n,
                "Your result is the same whatever w is: each link's factor is |w| times sigma', so the weight "
                "belongs in the bound."),
    ),
))


# ---- Exercise 1.3: the depth at which the bound drops below a threshold ---------------------------------

_EXACT = (1.0, -1.0, 2.0, -2.0, 0.5)  # |w|/4 a power of two: (|w|/4)**k is exact in float64


def _depth_below_cases(rng):
    cases = [
        Case((1e-3, 1.0)),
        Case((0.5, 1.0)),
        Case((1.0, 3.0)),  # already one layer is below 1: the answer is 1, not 0
        Case((0.25, 1.0)),  # exactly (1/4)^1: not below, so 2
        # Exactly (2.5/4)^11 (5^11 < 2^53: exact in float64), where log(threshold) / log(0.625) rounds
        # below 11 in every base (e, 2, 10): the answer is 12, floor(log ratio) + 1 gives 11.
        Case((0.625 ** 11, 2.5)),
        Case((1e-6, -2.0)),
        Case((1e-2, 4.0)),
        Case((1e-3, -4.0)),
        Case((1e-3, -6.0)),
        Case((3.0, 2.0)),  # a threshold above 1: still at least one layer
    ]
    # Exact powers that change with every draw: threshold = (|w|/4)^k, whose answer is k + 1.
    for _ in range(2):
        w = float(rng.choice(_EXACT))
        k = int(rng.integers(1, 40))
        cases.append(Case(((abs(w) / 4) ** k, w)))
    # Unrounded thresholds, |w|/4 not a power of two, either sign; and |w| >= 4 at a random size.
    for _ in range(2):
        cases.append(Case((float(10 ** -rng.uniform(1, 12)), float(rng.choice([-1, 1]) * rng.uniform(0.2, 3.8)))))
    cases.append(Case((float(10 ** -rng.uniform(1, 12)), float(rng.choice([-1, 1]) * rng.uniform(4.0, 10.0)))))
    return cases


def _loop_depth(threshold, factor, stop, start=1):
    """A mistake's loop: count the links from depth ``start`` until ``stop(bound, threshold)``
    (bounded, so that a mistake always returns)."""
    n, bound = start, factor**start
    while not stop(bound, threshold) and n < 100_000:
        n += 1
        bound *= factor
    return n


def _below(bound, threshold):
    return bound < threshold


def _log_depth(threshold, w, rounding):
    factor = abs(w) / 4
    if factor >= 1:
        return None
    return rounding(math.log(threshold) / math.log(factor))


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
        "The answer is the smallest n >= 1 whose bound is strictly below the threshold: a bound equal to the "
        "threshold is not below it, and the answer is a whole number of layers, at least 1.",
    ),
    mistakes=(
        Mistake("stops where the bound equals the threshold",
                lambda t, w=1.0: None if abs(w) >= 4 else _loop_depth(t, abs(w) / 4, lambda b, t: b <= t),
                "Here the threshold is exactly (|w|/4)^k for some k, and your answer is k; but at depth k the bound "
                "EQUALS the threshold, and equal is not below: the answer is k + 1. Compare with < (a <= where < "
                "belongs, or a ceil of log(threshold) / log(|w|/4), which is exactly k here, stops one layer "
                "early; a log formula can also round either way at these points)."),
        Mistake("log formula that allows depth 0", lambda t, w=1.0: _log_depth(t, w, math.ceil),
                "Your answer is 0 or less: depths start at 1. One layer already multiplies the bound by |w|/4 "
                "< 1, so when the threshold is 1 or more, one layer is enough."),
        Mistake("one layer short", lambda t, w=1.0: _log_depth(t, w, int),
                "Your answer is one layer short: at your depth the bound is still at or above the threshold. "
                "(int() of log(threshold) / log(|w|/4) rounds down; the bound is below the threshold only from "
                "the next whole layer on.)"),
        Mistake("a number instead of None when |w| >= 4",
                lambda t, w=1.0: math.inf if abs(w) >= 4 else _loop_depth(t, abs(w) / 4, _below),
                "When |w| >= 4 the bound never drops below the threshold: there is no such depth, and the "
                "function returns None (not inf, 0 or -1, nor a loop's last count).",
                matches=lambda value, got: value == math.inf and got is not None),
        Mistake("w instead of |w|",
                lambda t, w=1.0: None if w / 4 >= 1 else _loop_depth(t, w / 4, _below),
                "With a negative weight your answer is wrong: the bound is (|w|/4)^n, with the SIZE of the "
                "weight; w/4 is negative here, so it is 'below' any threshold at once (and for w <= -4 the "
                "bound never shrinks: None)."),
        Mistake("counts from depth 0",
                lambda t, w=1.0: None if abs(w) >= 4 else _loop_depth(t, abs(w) / 4, _below, start=0),
                "Your answer is 0 for a threshold above 1: the depth counts layers, and the smallest one is "
                "n = 1 (depth 0 is no chain at all). Start counting at one layer."),
        Mistake("returns the bound, not the depth",
                lambda t, w=1.0: None if abs(w) >= 4 else (abs(w) / 4) ** _loop_depth(t, abs(w) / 4, _below),
                "Your result is the bound itself, (|w|/4)^n: the function returns the depth n, a whole number "
                "of layers."),
    ),
))
