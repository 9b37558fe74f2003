"""Exercises of notebook 03_activations."""
import numpy as np

from ..diagnostics import layer_stats
from ..nn.activations import elu, elu_grad, leaky_relu, leaky_relu_grad
from .registry import Case, Exercise, Mistake, close, describe, equal, plain, register

# ---- the activations (3.1-3.3) ------------------------------------------------------------------------


def _mixed(rng, shape):
    """Random inputs of ``shape`` (at least 3 elements) rounded to 0.01, with at least one negative,
    one exact 0 and one positive value (a mistake on either side, or at the kink, shows on every seed);
    rounding keeps every nonzero |a| >= 0.01, so e^a - 1 is as good as expm1 at the check's tolerance."""
    values = np.round(rng.normal(0.0, 2.0, size=int(np.prod(shape))), 2)
    values[:3] = [-abs(values[0]) - 0.01, 0.0, abs(values[2]) + 0.01]
    return rng.permutation(values).reshape(shape)


def _alpha(rng, low, high, avoid):
    """A slope drawn from [low, high], rounded to 0.01, at least 0.1 away from ``avoid`` (the default)."""
    while True:
        alpha = float(np.round(rng.uniform(low, high), 2))
        if abs(alpha - avoid) >= 0.1:
            return alpha


def _activation_cases(rng, low, high, default):
    """The cases of 3.1-3.3: a fixed first case (every mistake that shows at the default alpha shows
    here, each with a different result), a 2-D array, +-1000 (an exponential of 1000 overflows), and
    a non-default alpha passed by position and then by name (an ignored alpha shows there)."""
    return [
        Case((np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
        Case((_mixed(rng, (3, 4)),)),
        Case((np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]),)),
        Case((_mixed(rng, (7,)), _alpha(rng, low, high, default))),
        Case((_mixed(rng, (2, 5)),), {"alpha": _alpha(rng, low, high, default)}),
    ]


def _leaky_cases(rng):
    return _activation_cases(rng, 0.05, 0.5, 0.01)


def _elu_cases(rng):
    return _activation_cases(rng, 0.2, 3.0, 1.0)


def _bools(value, got):
    """True when ``got`` is an array of True/False values."""
    return plain(got) and np.asarray(got).dtype == bool


register(Exercise(
    name="leaky_relu",
    label="Exercise 3.1",
    notebook="03_activations",
    points=1,
    reference=leaky_relu,
    cases=_leaky_cases,
    compare=close(rtol=1e-12, atol=1e-300),
    protected=(leaky_relu,),  # leaky_relu_grad(a, alpha) * a is the answer too: protected by 3.2
    hints=(
        "Where a > 0 the output is a itself; everywhere else (a = 0 included) it is alpha times a: a small "
        "negative number that still depends on a, not 0 and not alpha.",
        "np.where(condition, x, y) takes x where the condition holds and y elsewhere, element by element, for a "
        "whole array at once. Use the alpha you are given: the check passes other values than 0.01, by position "
        "and by name.",
    ),
    mistakes=(
        Mistake("max(a, alpha) instead of max(a, alpha * a)", lambda a, alpha=0.01: np.maximum(a, alpha),
                "Your result is alpha itself wherever a is below alpha: max(a, alpha) compares a with the number "
                "alpha. Leaky ReLU's negative side is alpha TIMES a, a small negative number that still follows a."),
        Mistake("ReLU", lambda a, alpha=0.01: np.maximum(a, 0.0),
                "Your result is ReLU's: 0 for every negative a. Leaky ReLU keeps a small slope there: alpha times a."),
        Mistake("alpha on the wrong side", lambda a, alpha=0.01: np.where(a > 0, alpha * a, a),
                "Your result multiplies the POSITIVE inputs by alpha and keeps the negative ones: it is the other "
                "way round (a for a > 0, alpha * a otherwise)."),
        Mistake("ignores alpha", lambda a, alpha=0.01: np.where(a > 0, a, 0.01 * a),
                "Your result is right for alpha = 0.01 but not for the alpha passed in: use the argument alpha, "
                "not the number 0.01 (the check passes other values, by position and by name)."),
    ),
))

register(Exercise(
    name="leaky_relu_grad",
    label="Exercise 3.2",
    notebook="03_activations",
    points=1,
    reference=leaky_relu_grad,
    cases=_leaky_cases,
    compare=close(rtol=1e-12),
    protected=(leaky_relu_grad,),  # leaky_relu (3.1) too, through the notebook
    hints=(
        "The slope of a is 1 and the slope of alpha * a is alpha: the derivative is 1 where a > 0 and alpha "
        "where a < 0. At a = 0 exactly, where the kink leaves the slope undefined, take alpha (ReLU takes 0 there).",
        "Return floats, one per element of a and in a's shape: a comparison such as a > 0 gives True/False "
        "values, which are not slopes yet.",
    ),
    mistakes=(
        Mistake("booleans", lambda a, alpha=0.01: a > 0,
                "Your result is True/False values from a comparison. A slope is a number: 1 where a > 0, and alpha "
                "(not 0) everywhere else.", _bools),
        Mistake("ReLU's derivative", lambda a, alpha=0.01: np.where(a > 0, 1.0, 0.0),
                "Your result is ReLU's derivative: 0 where a <= 0. Leaky ReLU's slope there is alpha."),
        Mistake("Leaky ReLU itself", lambda a, alpha=0.01: np.where(a > 0, a, alpha * a),
                "Your result is Leaky ReLU itself (a, or alpha * a), not its slope: the slope of a is 1, the slope "
                "of alpha * a is alpha."),
        Mistake("alpha * a on the negative side", lambda a, alpha=0.01: np.where(a > 0, 1.0, alpha * a),
                "Your result depends on a where a <= 0, but alpha * a is a straight line: its slope is alpha, the "
                "same everywhere on that side."),
        Mistake("1 at a = 0", lambda a, alpha=0.01: np.where(a >= 0, 1.0, alpha),
                "Your result differs only at a = 0 exactly. The slope is not defined at the kink, so a convention "
                "decides, and this course's (as vgrad.nn.leaky_relu_grad's) is alpha at 0: 1 only where a > 0."),
        Mistake("ignores alpha", lambda a, alpha=0.01: np.where(a > 0, 1.0, 0.01),
                "Your result is right for alpha = 0.01 but not for the alpha passed in: use the argument alpha, "
                "not the number 0.01 (the check passes other values, by position and by name)."),
    ),
))


def _naive_elu(a, alpha=1.0):
    return np.where(a > 0, a, alpha * (np.exp(a) - 1))


register(Exercise(
    name="elu",
    label="Exercise 3.3",
    notebook="03_activations",
    points=2,
    reference=elu,
    cases=_elu_cases,
    compare=close(rtol=1e-10, atol=1e-300),
    protected=(elu, elu_grad),  # elu_grad(a, alpha) - alpha is ELU's overflow-safe negative side
    no_warnings=True,  # the text asks for no overflow at +-1000
    hints=(
        "ELU(a) is a for a > 0 and alpha (e^a - 1) otherwise, alpha = 1 unless another is passed. For very "
        "negative a it approaches -alpha; at a = 0 both sides give 0.",
        "np.where computes BOTH of its branches for every element before it chooses, so e^a is computed at a = "
        "1000 too, and overflows, even though np.where throws that value away. Give the exponential only numbers "
        "that are never positive (np.minimum compares element by element).",
        "np.expm1(x) computes e^x - 1 in one step, accurately even for tiny x.",
    ),
    mistakes=(
        Mistake("np.where with np.exp(a): overflows at a = 1000", _naive_elu,
                "Your values are right, but np.where does not keep e^a from overflowing: it computes BOTH branches "
                "for every element and only then chooses, so e^1000 is computed (inf, with a warning) and then "
                "thrown away. Give the exponential inputs that are never positive, for example by clipping a "
                "from above at 0 first."),
        Mistake("forgets alpha", lambda a, alpha=1.0: np.where(a > 0, a, np.expm1(np.minimum(a, 0.0))),
                "Your result is ELU with alpha = 1, whatever alpha is passed: the negative side is alpha times "
                "(e^a - 1)."),
        Mistake("alpha e^a - 1", lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.exp(np.minimum(a, 0.0)) - 1),
                "Your negative side is alpha e^a - 1: alpha multiplies the whole of (e^a - 1), so that ELU tends to "
                "-alpha (not -1) for very negative a and is 0 at a = 0."),
        Mistake("forgets the - 1", lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.exp(np.minimum(a, 0.0))),
                "Your negative side is alpha e^a, without the - 1: ELU is alpha (e^a - 1) there, which is 0 at "
                "a = 0 (no jump) and tends to -alpha for very negative a."),
        Mistake("alpha (e^a - 1) for positive a too", lambda a, alpha=1.0: alpha * (np.exp(a) - 1),
                "Your result uses alpha (e^a - 1) for positive a as well: for a > 0 ELU is a itself (and e^a "
                "overflows at a = 1000)."),
    ),
))

# ---- dead units (3.4) ---------------------------------------------------------------------------------


def _count_dead(pre_activations):
    return int(np.sum(np.all(np.asarray(pre_activations) <= 0, axis=0)))


def _compare_count(expected, got):
    """A whole number equal to ``expected``; an array (0-d arrays aside) or a fraction is named as such."""
    if isinstance(got, np.ndarray):
        if got.shape == () and got.dtype.kind in "iu":
            got = int(got)
        else:
            return (f"expected one whole number, the count of dead units ({expected}), got {describe(got)}"
                    + (f" holding {got.tolist()}" if got.size <= 8 else ""))
    if isinstance(got, (float, np.floating)) and not float(got).is_integer():
        return f"expected {expected}, a whole number of units, got {float(got):.6g}"
    return equal(expected, got)


def _same(value, got):
    """True when ``got`` is exactly ``value``, whatever the container: number, array, True/False."""
    try:
        if not plain(got):
            return False
        v, g = np.asarray(value), np.asarray(got)
        return v.shape == g.shape and g.dtype.kind in "biuf" and bool(np.all(v == g))
    except Exception:
        return False


# A fixed first case on which every registered mistake gives a different wrong answer: 7 units (columns)
# over 6 inputs (rows); units 0-2 are dead, unit 2 with exact zeros (so "< 0" counts 2), units 3-4 are
# negative on some inputs only (np.any counts 5), units 5-6 always positive (4 units alive; no input
# is <= 0 on every unit, so a count over rows gives 0).
_FIRST = np.array([
    [-0.5, -1.2, 0.0, 0.8, -0.3, 0.4, 1.1],
    [-2.1, -0.1, -0.7, -0.2, 0.6, 1.3, 0.2],
    [-0.3, -0.9, 0.0, -1.5, -0.4, 0.9, 0.7],
    [-1.4, -0.6, -0.2, -0.1, -0.8, 0.1, 2.0],
    [-0.8, -1.1, -1.0, -0.6, 0.5, 0.6, 0.3],
    [-0.2, -0.4, -0.5, -0.9, -1.7, 2.2, 0.9],
])


def _count_dead_cases(rng):
    cases = [Case((_FIRST.copy(),))]
    for batch, units, dead in ((5, 4, 1), (20, 10, 3), (50, 32, 0), (8, 16, 16)):
        a = rng.normal(size=(batch, units))
        cols = rng.choice(units, size=dead, replace=False)
        a[:, cols] = -np.abs(a[:, cols])  # never positive: dead
        if dead:  # a dead unit that sits at exactly 0 on some inputs: "< 0" misses it
            a[rng.choice(batch, size=max(1, batch // 3), replace=False), cols[0]] = 0.0
        live = np.setdiff1d(np.arange(units), cols)
        a[rng.integers(batch), live] = np.abs(a[0, live]) + 0.1  # positive at least once: alive
        cases.append(Case((a,)))
    zero = np.zeros((4, 3))  # units stuck at exactly 0 pass no gradient either
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
    compare=_compare_count,
    protected=(_count_dead, layer_stats),  # layer_stats counts dead units too (and the Recorder through it)
    hints=(
        "pre_activations has one row per input and one column per unit. A unit is dead when its "
        "pre-activation is <= 0 for every input: ReLU then outputs 0 and passes back no gradient.",
        "Decide for each unit (column) whether ALL of its entries are <= 0: np.all takes an axis argument; "
        "which axis runs over the inputs?",
        "That gives one True/False per unit: return how many are True, as one whole number.",
    ),
    mistakes=(
        Mistake("< 0 instead of <= 0", lambda p: int(np.sum(np.all(p < 0, axis=0))),
                "Your count leaves out units that are exactly 0 on some inputs and negative on the others. ReLU "
                "outputs 0 at 0 and its slope there is 0 too: such a unit is dead as well (<= 0, not < 0).", _same),
        Mistake("counts inputs (axis=1)", lambda p: int(np.sum(np.all(p <= 0, axis=1))),
                "Your count is of inputs (rows) on which every unit is <= 0. A unit is a column: ask, for each "
                "column, whether all of its entries are <= 0.", _same),
        Mistake("np.any instead of np.all", lambda p: int(np.sum(np.any(p <= 0, axis=0))),
                "Your count includes units that are <= 0 on SOME input, which most units are. A dead unit is "
                "<= 0 on EVERY input.", _same),
        Mistake("counts entries", lambda p: int(np.sum(p <= 0)),
                "Your result counts entries (one input, one unit) that are <= 0. A unit is dead only when its "
                "whole column is: count units, not entries.", _same),
        Mistake("counts the live units", lambda p: int(np.sum(np.any(p > 0, axis=0))),
                "Your count is of the units that are positive on some input: the live ones. Count the others.",
                _same),
        Mistake("a fraction", lambda p: float(np.mean(np.all(p <= 0, axis=0))),
                "Your result is the FRACTION of units that are dead: return how many are dead, a whole number.",
                _same),
        Mistake("one value per unit", lambda p: np.all(p <= 0, axis=0),
                "Your result has one value per unit (dead or not): return how many of them are dead, as one "
                "whole number.", _same),
    ),
))
