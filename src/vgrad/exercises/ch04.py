"""Exercises of notebook 04_initialization."""
import math
from functools import lru_cache, partial
from itertools import combinations

import numpy as np
from scipy.special import ndtr
from scipy.stats import binom, chi2, kstwo

from ..nn.activations import elu, leaky_relu, relu, sigmoid, tanh
from ..nn.init import he_normal, he_uniform, xavier_uniform
from ..theory import chi1, gain
from .registry import Case, Exercise, Mistake, close, describe, equal, numbers, plain, register

# ---- 4.1 and 4.2: a random initialiser, judged as a sample ---------------------------------------------
#
# A right answer is a random matrix, so it is judged the way a sample is: by tests that a draw from the
# stated distribution fails only with a small probability that is computed, not guessed, while every
# catalogued wrong answer fails them by a wide margin. Each case's matrix w is scaled to a standard
# sample x (He: x = w / sqrt(2 / fan_in), which is N(0, 1); Xavier: x = w / l, which is U(-1, 1)), and
# faces SAMPLE_TESTS tests, each of which rejects a right answer with probability at most ALPHA. Every
# bound holds for any sample size (no normal approximation), so they add up (union bound):
#
#   4 cases x 11 tests x ALPHA (1e-8) = 4.4e-7 per check,
#
# plus the check across cases (same generator state -> same matrix; different states -> different
# matrices), which rejects a right answer only when two independent draws of a whole matrix coincide
# (below 2^-50). Together below 1e-6 per check: FALSE_REJECTION; tests/test_mutants_04.py asserts it.
#
# The tests, in the order they are applied (the first that fails is reported), with their bounds:
#   float32 values   every value within 4 float64 spacings of a float32 number, as draws made in float32
#                    and converted are. A float64 draw lands there with probability below 2^-26, so a whole
#                    matrix (hundreds of values) never does: a bound far below ALPHA, not counted.
#   repeated values  at most k values equal to another value. Every draw takes any one float with
#                    probability at most 2^-50 (NumPy's generators put 52 or 53 random bits into each
#                    draw), so the number of coinciding pairs has mean at most C(N, 2) 2^-50 and, by
#                    Markov's inequality, reaches k = C(N, 2) 2^-50 / ALPHA with probability <= ALPHA.
#   mean             N(0, 1): sum(x) / sqrt(N) is N(0, 1), beyond sqrt(2 ln(2/ALPHA)) with probability
#                    <= ALPHA (Chernoff). U(-1, 1): the same bound holds by Hoeffding (|x| <= 1).
#   spread           N(0, 1): sum(x^2) is chi-square(N), outside its ALPHA/2 and 1 - ALPHA/2 quantiles
#                    with probability ALPHA. U(-1, 1): x^2 in [0, 1] has mean 1/3 and variance 4/45:
#                    Bernstein's inequality.
#   column pairs,    the signs of x in columns 0 and 1, 2 and 3, ... (or rows) agree in each row with
#   row pairs        probability 1/2, independently (symmetric, independent draws): the count of
#                    agreements is Binomial(K, 1/2), outside its ALPHA/2 quantiles with probability <= ALPHA.
#   column spreads   the spread's bound for each column (a unit's incoming weights) at ALPHA / fan_out.
#   distribution     Kolmogorov-Smirnov: the largest gap D between the sample's distribution function
#                    and the stated one, beyond the 1 - ALPHA quantile of its exact distribution (kstwo).
#   exact mean       |mean(x)| <= EXACT_MEAN. The mean of N >= 2 draws has a density of at most N / 2
#                    (U(-1, 1): a convolution never raises the sup of U's density 1/2; N(0, 1): sqrt(N / 2 pi)),
#                    so probability <= EXACT_MEAN N <= ALPHA for N <= 1e6.
#   even spacing     u = F(x) (the stated distribution function) sorted, every gap between neighbours above
#                    EVEN_SPACING / N. For N independent U(0, 1) the probability that all N - 1 gaps exceed t
#                    is (1 - (N - 1) t)^N, here below 0.9^N: under ALPHA for N >= 175.
#   centre, tails    the count of |x| < 0.5 (N(0, 1)) or < 0.383 (U(-1, 1)), and of |x| beyond 2.5 (or
#                    1 - 0.0124): Binomial(N, p), outside its ALPHA/2 quantiles.
# A uniform's values must also lie in [-l, l], to rounding (not a random test).

ALPHA = 1e-8  # the probability that one test rejects a right answer in one case, at most
SAMPLE_TESTS = ("repeated values", "mean", "exact mean", "spread", "column pairs", "row pairs",
                "column spreads", "distribution", "even spacing", "centre", "tails")
INIT_CASES = 4  # the cases each check draws (_init_cases)
ACROSS_CASES = 2.0 ** -50  # the check across cases rejects a right answer with at most this probability
FALSE_REJECTION = INIT_CASES * len(SAMPLE_TESTS) * ALPHA + ACROSS_CASES  # per check: below 1e-6
SINGLE_VALUE = 2.0 ** -50  # the largest probability of any one float value in a draw
EXACT_MEAN = 1e-14  # a mean of x closer to 0 than this: centred after drawing
EVEN_SPACING = 0.1  # every gap between neighbours in F(x) wider than this / N: a shuffled grid

CENTRE = {"normal": 0.5, "uniform": math.erf(0.5 / math.sqrt(2))}  # |x| below this: p = 0.3829 in both
TAIL_P = math.erfc(2.5 / math.sqrt(2))  # P(|x| > 2.5) for N(0, 1): 0.0124
TAIL = {"normal": 2.5, "uniform": 1 - TAIL_P}  # |x| beyond this: p = TAIL_P in both


def _init_cases(rng):
    """Two shapes, one with fan_in > fan_out and one the other way round (a swapped fan or a transposed
    matrix shows in both), drawn afresh: 4,000 to 12,000 weights each; the first shape is asked for again
    with a generator in the same state (the same matrix must come back) and with another generator (a
    different one must)."""
    tall = (int(rng.integers(100, 201)), int(rng.integers(40, 61)))
    wide = (int(rng.integers(40, 61)), int(rng.integers(100, 201)))
    same, other, second = (int(s) for s in rng.integers(2**31, size=3))
    return [Case((*tall, np.random.default_rng(same))), Case((*wide, np.random.default_rng(second))),
            Case((*tall, np.random.default_rng(same))), Case((*tall, np.random.default_rng(other)))]


@lru_cache(maxsize=4096)
def _binomial_band(n, p, alpha):
    """(low, high): a Binomial(n, p) count is below low, or above high, with probability at most alpha
    (each side alpha / 2; the exact quantiles)."""
    return float(binom.ppf(alpha / 2, n, p)), float(binom.isf(alpha / 2, n, p))


def _bernstein(n, variance, bound, alpha):
    """t such that |sum of n centred terms| >= t with probability at most alpha, each term of the given
    variance and at most ``bound`` in size: 2 exp(-t^2 / (2 (n variance + bound t / 3))) = alpha."""
    log = math.log(2 / alpha)
    b = 2 * log * bound / 3
    return (b + math.sqrt(b * b + 8 * log * n * variance)) / 2


@lru_cache(maxsize=4096)
def _spread_band(n, kind, alpha):
    """(low, high) for sum(x^2) over n standard draws, beyond which it falls with probability <= alpha."""
    if kind == "normal":  # chi-square(n): its exact quantiles
        return float(chi2.ppf(alpha / 2, n)), float(chi2.isf(alpha / 2, n))
    t = _bernstein(n, 4 / 45, 2 / 3, alpha)
    return n / 3 - t, n / 3 + t


@lru_cache(maxsize=4096)
def _ks_limit(n):
    """The Kolmogorov-Smirnov distance that a sample of n exceeds with probability ALPHA."""
    return float(kstwo.isf(ALPHA, n))


class _Target:
    """What a case's matrix should be: the distribution, its scale, and how a learner reads it."""

    def __init__(self, kind, fan_in, fan_out):
        self.kind = kind
        if kind == "normal":
            self.scale = math.sqrt(2.0 / fan_in)  # x = w / scale is N(0, 1)
            self.variance = 2.0 / fan_in
            self.name = f"N(0, 2/fan_in) = N(0, {self.variance:.4g})"
            self.var_text = f"2/fan_in = {self.variance:.4g}"
        else:
            self.scale = math.sqrt(6.0 / (fan_in + fan_out))  # x = w / l is U(-1, 1)
            self.variance = 2.0 / (fan_in + fan_out)
            self.name = f"U(-l, l), l = sqrt(6/(fan_in + fan_out)) = {self.scale:.4g}"
            self.var_text = f"2/(fan_in + fan_out) = {self.variance:.4g}"

    def cdf(self, x):
        return ndtr(x) if self.kind == "normal" else np.clip((x + 1) / 2, 0, 1)


def _pair_problem(x, what):
    """None, or what is wrong when the signs of neighbouring columns of ``x`` (0 and 1, 2 and 3, ...)
    agree too often or too rarely. ``what``: "columns" (units) or "rows" (inputs)."""
    pairs = x.shape[1] // 2
    if pairs == 0:
        return None
    left, right = x[:, 0:2 * pairs:2], x[:, 1:2 * pairs:2]
    agree = int(np.sum((left > 0) == (right > 0)))
    total = left.size
    low, high = _binomial_band(total, 0.5, ALPHA)
    if low <= agree <= high:
        return None
    shares = np.mean((left > 0) == (right > 0), axis=0)
    k = int(np.argmax(np.abs(shares - 0.5)))
    left_k, right_k = left[:, k], right[:, k]
    norms = np.linalg.norm(left_k) * np.linalg.norm(right_k)
    r = float(left_k @ right_k / norms) if norms > 0 else float("nan")
    unit = "unit" if what == "columns" else "input"
    return (f"neighbouring {what} are alike: {what} {2 * k} and {2 * k + 1} (the weights of {unit}s {2 * k} and "
            f"{2 * k + 1}) have the same sign in {shares[k]:.0%} of places and a correlation of {r:.2f}, and over all "
            f"pairs of neighbouring {what} the signs agree {agree / total:.1%} of the time, where independent "
            f"draws centred on 0 agree half of the time (chance alone: {low / total:.1%} to {high / total:.1%}). "
            f"Every weight must be a draw of its own: are {what} sorted, copied or built from one another?")


def _sample_problem(w, target):
    """None when the matrix ``w`` (float64, the right shape, finite) passes every test of a sample from
    ``target``; else what is wrong, in the learner's terms."""
    fan_in, fan_out = w.shape
    n = w.size
    x = (w / target.scale).ravel()
    if target.kind == "uniform":
        worst = float(np.max(np.abs(w)))
        if worst > target.scale * (1 + 1e-12):
            return (f"a value of {worst:.4g} lies outside [-l, l], l = sqrt(6/(fan_in + fan_out)) = {target.scale:.4g}: "
                    f"a uniform distribution on [-l, l] never goes beyond its limits")
    if np.all(np.abs(x - x.astype(np.float32)) <= 4 * np.spacing(np.abs(x))):
        return ("every value has only float32 precision (about 7 significant digits), drawn as float32 and then "
                "converted: draw in float64, NumPy's default (no dtype argument)")
    ordered = np.sort(x)
    repeats = int(np.count_nonzero(ordered[1:] == ordered[:-1]))
    allowed = math.ceil(n * (n - 1) / 2 * SINGLE_VALUE / ALPHA)
    if repeats >= allowed:
        return (f"{repeats} of the {n} values repeat a value already in the matrix, where independent float64 "
                f"draws repeat none (chance alone: fewer than {allowed}): are columns or rows copies of one "
                f"another (tiled, repeated or broadcast), or are values rounded, or clipped to a limit?")
    mean_limit = math.sqrt(2 * math.log(2 / ALPHA) / n)  # on the mean of x, which has variance at most 1
    if abs(ordered.mean()) > mean_limit:
        return (f"the weights' mean is {w.mean():.4g}, expected 0 (chance alone keeps it within "
                f"±{mean_limit * target.scale:.2g}): draw values centred on 0")
    if abs(ordered.mean()) <= EXACT_MEAN:
        return (f"the weights' mean is 0 to {abs(w.mean()):.0e}, closer than any random draw comes: were the "
                f"values centred or standardised after drawing, or laid out on a grid? Draw them from the "
                f"distribution directly")
    low, high = _spread_band(n, target.kind, ALPHA)
    square = float(np.sum(x * x))
    if not low <= square <= high:
        per = 1.0 if target.kind == "normal" else 1 / 3
        return (f"the weights' variance is {np.mean(w * w):.4g} (about their mean 0), expected {target.var_text}: "
                f"{square / (n * per):.3g} times too {'large' if square > high else 'small'}"
                f" (chance alone keeps it within {low / (n * per):.3f} to {high / (n * per):.3f} times)")
    standard = w / target.scale
    for matrix, what in ((standard, "columns"), (standard.T, "rows")):
        problem = _pair_problem(matrix, what)
        if problem:
            return problem
    columns = np.sum(standard**2, axis=0)
    low, high = _spread_band(fan_in, target.kind, ALPHA / fan_out)
    bad = (columns < low) | (columns > high)
    if bad.any():
        j = int(np.argmax(bad))
        per = 1.0 if target.kind == "normal" else 1 / 3
        return (f"column {j} (the weights into unit {j}) has variance {np.mean(w[:, j] ** 2):.4g} (about 0), expected "
                f"{target.var_text} like every other column (chance alone keeps a column of {fan_in} within "
                f"{max(low, 0) / (fan_in * per):.2f} to {high / (fan_in * per):.2f} times that): every unit's incoming "
                f"weights must have the same spread")
    cdf = target.cdf(ordered)
    steps = np.arange(1, n + 1) / n
    gap = float(max(np.max(steps - cdf), np.max(cdf - (steps - 1 / n))))
    limit = _ks_limit(n)
    if gap > limit:
        return (f"the values do not follow {target.name}: their distribution function differs from it by up to "
                f"{gap:.3f} (Kolmogorov-Smirnov; chance alone stays below {limit:.3f})")
    if np.min(np.diff(cdf)) > EVEN_SPACING / n:
        return (f"the values are spread too evenly: sorted, no two are closer than {EVEN_SPACING}/N of the way "
                f"through the distribution, where independent draws crowd together by chance. Are they a grid "
                f"(linspace or quantiles) shuffled, rather than drawn?")
    for edge, inside, what in ((CENTRE[target.kind], True, "near 0"), (TAIL[target.kind], False, "in the tails")):
        p = math.erf(edge / math.sqrt(2)) if target.kind == "normal" else edge
        p = p if inside else 1 - p
        count = int(np.count_nonzero((np.abs(x) < edge) if inside else (np.abs(x) > edge)))
        low, high = _binomial_band(n, p, ALPHA)
        if not low <= count <= high:
            where = (f"within ±{edge * target.scale:.3g}" if inside else f"beyond ±{edge * target.scale:.3g}")
            why = ("too peaked or too flat" if inside else "cut off (truncated), or with too heavy tails")
            return (f"{count} of the {n} values lie {where}, where {target.name} puts about {n * p:.0f} (chance "
                    f"alone: {math.ceil(low)} to {math.floor(high)}): the distribution is {why}, not the one asked for")
    return None


def _random_matrix(kind):
    """A comparison that judges a random matrix as a sample of ``kind`` ("normal": He; "uniform": Xavier),
    of the shape of ``expected`` (whose own values, one draw among many, are not compared)."""

    def compare(expected, got):
        shape = np.shape(expected)
        w, problem = numbers(got)
        if problem:
            return f"expected an array of shape {shape}, {problem}"
        if w.shape != shape:
            hint = " (rows and columns swapped?)" if w.shape == shape[::-1] else ""
            return (f"expected an array of shape (fan_in, fan_out) = {shape}, got {describe(got)}{hint}: "
                    f"a layer y = x W with fan_in inputs has a weight matrix of fan_in rows and fan_out columns")
        if not np.isfinite(w).all():
            return "got values that are not finite numbers (NaN or inf)"
        return _sample_problem(w, _Target(kind, *shape))

    return compare


def _same_state_same_matrix(cases, values):
    """The generator passed in must be the one drawn from: the same state gives the same matrix, and
    different states give different matrices."""
    states = [case.args[2].bit_generator.state for case in cases]
    for i, j in combinations(range(len(cases)), 2):
        if cases[i].args[:2] != cases[j].args[:2]:
            continue
        a, b = np.asarray(values[i]), np.asarray(values[j])
        same = a.shape == b.shape and bool(np.array_equal(a, b))
        if states[i] == states[j] and not same:
            return (f"cases {i + 1} and {j + 1} pass generators in the same state, and your two matrices differ: "
                    f"draw every number from the generator rng that is passed in (np.random.normal, np.random.rand "
                    f"or a generator made inside the function ignore it), so that the same state gives the same "
                    f"matrix, as a seeded network must")
        if states[i] != states[j] and same:
            return (f"cases {i + 1} and {j + 1} pass generators in different states, and your two matrices are "
                    f"identical: draw from rng itself, not from a generator with a fixed seed such as "
                    f"np.random.default_rng(0)")
    return None


def _kurtosis(a):
    a = a - a.mean()
    return float(np.mean(a**4) / np.mean(a**2) ** 2)


def _resembles(value, got):
    """For a random mistake: ``got`` looks like a draw of what the mistake draws (``value``): the same
    shape, mean and spread within a tenth of the mistake's spread and within 10 %, and the same kind
    of distribution (kurtosis within 0.5: normal 3, uniform 1.8)."""
    if not plain(got):
        return False
    value, got = np.asarray(value, dtype=np.float64), np.asarray(got)
    if got.shape != value.shape or got.dtype != np.float64 or value.size < 2:
        return False
    if len(np.unique(got)) < 0.99 * got.size:  # copies of a few draws: not what any mistake here draws
        return False
    spread, spread_got = value.std(), got.std()
    return bool(spread > 0 and abs(got.mean() - value.mean()) <= 0.1 * spread
                and abs(spread_got / spread - 1) <= 0.1 and abs(_kurtosis(got) - _kurtosis(value)) <= 0.5)


register(Exercise(
    name="he_normal",
    label="Exercise 4.1",
    notebook="04_initialization",
    points=1,
    reference=he_normal,
    cases=_init_cases,
    compare=_random_matrix("normal"),
    consistent=_same_state_same_matrix,
    protected=(he_normal,),  # init_weights("he_normal", ...) and MLP(init="he_normal") go through it
    hints=(
        "He et al. (2015): Var(w) = 2 / fan_in, with fan_in the number of inputs each unit sums over. A normal "
        "distribution is given by its standard deviation, the square root of the variance.",
        "Draw the whole (fan_in, fan_out) matrix from the generator rng that is passed in, not from np.random: "
        "the check judges your matrix as a sample (its spread, column by column; independence; the normal "
        "shape) and passes the same generator state twice, expecting the same matrix back.",
    ),
    mistakes=(
        Mistake("fan_out instead of fan_in", lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out)),
            "Your weights' variance is 2 / fan_out: He's rule divides by fan_in, the number of inputs each unit "
            "sums over (the rows of the matrix), because that is how many terms add up in the forward pass.",
            _resembles),
        Mistake("the variance passed as the standard deviation", lambda fan_in, fan_out, rng: rng.normal(
            0.0, 2.0 / fan_in, size=(fan_in, fan_out)),
            "Your weights' standard deviation is 2 / fan_in: that is the variance He asks for. rng.normal takes "
            "the standard deviation, the square root of the variance.", _resembles),
        Mistake("1/fan_in (LeCun's variance)", lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out)),
            "Your weights' variance is 1 / fan_in: that keeps a linear (or tanh) layer's signal steady. ReLU sets "
            "half of its inputs to 0, so He doubles the variance.", _resembles),
        Mistake("Xavier's variance", lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)),
            "Your weights' variance is Xavier's, 2 / (fan_in + fan_out): He's rule for ReLU counts only fan_in, "
            "the inputs each unit sums over.", _resembles),
        Mistake("uniform instead of normal", lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(6.0 / fan_in), np.sqrt(6.0 / fan_in), size=(fan_in, fan_out)),
            "Your weights have the right variance but are spread evenly over an interval (uniform): He normal "
            "draws from a normal (Gaussian) distribution.", _resembles),
        Mistake("shape (fan_out, fan_in)", lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)),
            "Your matrix has fan_out rows and fan_in columns: the layer computes y = x W with x of fan_in "
            "values, so W needs fan_in rows and fan_out columns.", _resembles),
    ),
))


register(Exercise(
    name="xavier_uniform",
    label="Exercise 4.2",
    notebook="04_initialization",
    points=1,
    reference=xavier_uniform,
    cases=_init_cases,
    compare=_random_matrix("uniform"),
    consistent=_same_state_same_matrix,
    # he_uniform(fan_in + fan_out, fan_out, rng)[:fan_in] draws the very same numbers
    protected=(xavier_uniform, he_uniform),
    hints=(
        "Glorot & Bengio (2010): Var(w) = 2 / (fan_in + fan_out), the average of the forward and the backward "
        "condition.",
        "A uniform distribution on [-l, l] has variance l^2 / 3: choose l so that this is the variance you "
        "want. Every value must lie in [-l, l], and the numbers must come from the generator rng that is "
        "passed in.",
    ),
    mistakes=(
        Mistake("normal instead of uniform", lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)),
            "Your weights have the right variance but follow a normal distribution: Xavier uniform draws evenly "
            "from an interval [-l, l], and no value lies beyond it.", _resembles),
        Mistake("limit sqrt(3 / (fan_in + fan_out))", lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(3.0 / (fan_in + fan_out)), np.sqrt(3.0 / (fan_in + fan_out)), size=(fan_in, fan_out)),
            "Your limit l gives the variance l^2 / 3 = 1 / (fan_in + fan_out): half of Xavier's. Work out l from "
            "Var(w) = 2 / (fan_in + fan_out).", _resembles),
        Mistake("the standard deviation as the limit", lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(2.0 / (fan_in + fan_out)), np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)),
            "Your limit l is the standard deviation Xavier asks for, but a uniform on [-l, l] has a standard "
            "deviation of only l / sqrt(3): the limit must be larger.", _resembles),
        Mistake("He's limit sqrt(6 / fan_in)", lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(6.0 / fan_in), np.sqrt(6.0 / fan_in), size=(fan_in, fan_out)),
            "Your limit counts only fan_in (that is He's uniform rule): Xavier averages both directions, "
            "Var(w) = 2 / (fan_in + fan_out).", _resembles),
        Mistake("no square root in the limit", lambda fan_in, fan_out, rng: rng.uniform(
            -6.0 / (fan_in + fan_out), 6.0 / (fan_in + fan_out), size=(fan_in, fan_out)),
            "Your limit is l^2 rather than l: the variance l^2 / 3 must equal 2 / (fan_in + fan_out), so l is a "
            "square root.", _resembles),
        Mistake("uniform on [0, l]", lambda fan_in, fan_out, rng: rng.uniform(
            0.0, np.sqrt(6.0 / (fan_in + fan_out)), size=(fan_in, fan_out)),
            "Your weights are all positive: the interval is [-l, l], centred on 0, so that a unit's inputs are "
            "as often weighted up as down.", _resembles),
        Mistake("shape (fan_out, fan_in)", lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(6.0 / (fan_in + fan_out)), np.sqrt(6.0 / (fan_in + fan_out)), size=(fan_out, fan_in)),
            "Your matrix has fan_out rows and fan_in columns: the layer computes y = x W with x of fan_in "
            "values, so W needs fan_in rows and fan_out columns.", _resembles),
    ),
))


# ---- 4.3: the gain of an activation ----------------------------------------------------------------------

def _gain_cases(rng):
    """The activation functions themselves: three fixed ones, and leaky ReLUs and ELUs whose alpha is
    drawn afresh (as a float, not rounded), so that no table of numbers stands in for the expectation.
    The alphas keep clear of the defaults (0.01 and 1), where a table by name would be off by 2 % or
    more. Partials of vgrad.nn's own functions: picklable, so the grader can send them to the sandbox."""
    return [Case((relu,)), Case((tanh,)), Case((sigmoid,)),
            Case((partial(leaky_relu, alpha=float(rng.uniform(0.2, 0.5))),)),
            Case((partial(elu, alpha=float(rng.uniform(0.3, 0.9))),)),
            Case((partial(leaky_relu, alpha=float(rng.uniform(0.5, 0.95))),)),
            Case((partial(elu, alpha=float(rng.uniform(1.1, 3.0))),))]


_Z = np.linspace(-10.0, 10.0, 20001)
_DENSITY = np.exp(-_Z * _Z / 2) / math.sqrt(2 * math.pi) * (_Z[1] - _Z[0])


def _moment(values):
    """E[f(z)], z ~ N(0, 1), for f's values on the grid _Z."""
    return float(np.sum(values * _DENSITY))


register(Exercise(
    name="gain",
    label="Exercise 4.3",
    notebook="04_initialization",
    points=2,
    reference=gain,
    cases=_gain_cases,
    # "3 significant digits": half a unit in the third digit is at most 5e-3 of the value. A Monte-Carlo
    # mean over 10^6 draws is within about 1e-3 (4.5 standard errors for ReLU); the wrong formulas are
    # 1.5 % and more away.
    compare=close(rtol=5e-3),
    protected=(gain,),
    hints=(
        "The gain is 1 / sqrt(E[phi(z)^2]) for z ~ N(0, 1): compute the expectation numerically. phi is the "
        "function itself: call it on a whole array of z at once, phi(z) ** 2.",
        "Either average phi(z) ** 2 over 10^6 draws of a standard normal, or integrate phi(z)^2 against the "
        "normal density exp(-z^2/2) / sqrt(2 pi) on a fine grid wide enough for the tails (a sum of values "
        "times the grid spacing).",
        "It is the second moment E[phi(z)^2], not the variance: do not subtract the mean. For relu the "
        "answer is sqrt(2) = 1.4142; for partial(leaky_relu, alpha=a) it is sqrt(2 / (1 + a^2)).",
    ),
    mistakes=(
        Mistake("the variance instead of the second moment",
                lambda phi: 1 / math.sqrt(_moment(phi(_Z) ** 2) - _moment(phi(_Z)) ** 2),
                "Your result divides by the standard deviation of phi(z): the signal's size is its second moment "
                "E[phi(z)^2], mean included (a ReLU's output has a mean, and it counts). Do not subtract the mean."),
        Mistake("no square root", lambda phi: 1 / _moment(phi(_Z) ** 2),
                "Your result is 1 / E[phi(z)^2]: that is the factor for the variance of the weights. The gain scales "
                "their standard deviation: take the square root."),
        Mistake("the square root, not its inverse", lambda phi: math.sqrt(_moment(phi(_Z) ** 2)),
                "Your result is sqrt(E[phi(z)^2]), the size of the signal after the activation: the gain makes up "
                "for it, so it is one over that."),
        Mistake("the normal density without 1/sqrt(2 pi)",
                lambda phi: 1 / math.sqrt(_moment(phi(_Z) ** 2) * math.sqrt(2 * math.pi)),
                "Your expectation is sqrt(2 pi) times too large: the standard normal density is "
                "exp(-z^2/2) / sqrt(2 pi), and its integral is 1 (check: E[z^2] must come out as 1)."),
        Mistake("an unweighted average over the grid",
                lambda phi: 1 / math.sqrt(float(np.mean(phi(_Z) ** 2))),
                "Your expectation averages phi(z)^2 evenly over a range of z: z ~ N(0, 1) is mostly near 0, so "
                "weight each point by the normal density (or average over random normal draws)."),
        Mistake("a grid from -3 to 3 only", lambda phi: 1 / math.sqrt(
            _moment(np.where(np.abs(_Z) <= 3, phi(_Z), 0.0) ** 2)),
                "Your expectation misses the tails: beyond |z| = 3 lies only 0.3 % of the probability, but phi(z)^2 "
                "is large there (for ReLU the tail holds 3 % of E[phi(z)^2]). Integrate over a wider range, to "
                "about ±10."),
        Mistake("E[phi'(z)^2] instead of E[phi(z)^2]",
                lambda phi: 1 / math.sqrt(_moment(np.gradient(phi(_Z), _Z) ** 2)),
                "Your result uses the derivative phi'(z): that is the backward pass's factor. The gain keeps the "
                "forward signal, E[phi(z)^2] (the two agree for ReLU, not for tanh)."),
    ),
))


# ---- 4.4: predict from chi_1 ------------------------------------------------------------------------------

#: chi_1 within this of 1 is "critical" (the text says so); the drawn cases keep at least DRAWN_MARGIN away,
#: but for the ReLU cases set just inside (0.7e-6 to 0.9e-6 below 1) and just outside (1.1e-6 to 1.3e-6) it.
CRITICAL_TOLERANCE = 1e-6
DRAWN_MARGIN = 0.02


@lru_cache(maxsize=None)
def _chi1(activation, sigma_w, sigma_b):
    return chi1(activation, sigma_w, sigma_b)


def _predict_reference(activation, sigma_w, sigma_b=0.0):
    factor = _chi1(activation, float(sigma_w), float(sigma_b))
    if abs(factor - 1) <= CRITICAL_TOLERANCE:
        return "critical"
    return "vanishing" if factor < 1 else "exploding"


def _draw(rng, activation, sigma_ws, sigma_bs, keep=lambda factor, sw, sb: True):
    """A case of ``activation`` with sigma_w and sigma_b drawn (unrounded: no table) from the ranges, and
    chi_1 at least DRAWN_MARGIN away from 1 (so that a more accurate chi_1 gives the same answer)."""
    while True:
        sw, sb = float(rng.uniform(*sigma_ws)), float(rng.uniform(*sigma_bs))
        factor = _chi1(activation, sw, sb)
        if abs(factor - 1) > DRAWN_MARGIN and keep(factor, sw, sb):
            return Case((activation, sw, sb))


GENERAL = ("tanh", "relu", "leaky_relu", "elu", "sigmoid", "linear")


def _predict_cases(rng):
    """The exactly critical initialisations, and drawn ones that each catch a mistake on every seed:
    tanh just below sigma_w = sqrt(2) is exploding (ReLU's rule and a threshold at 1.35 say vanishing); ReLU
    between 1.21 and 1.33 vanishes (sigma_w^2 in place of sigma_w explodes); ReLU between 1.36 and 1.39 vanishes
    (a threshold at 1.35 says exploding); the sigmoid always vanishes; tanh with a large bias vanishes where
    the same sigma_w without it explodes; ReLU with chi_1 0.7e-6 to 0.9e-6 below 1 is critical and 1.1e-6
    to 1.3e-6 below and above 1 is not (a tolerance below 0.7e-6 or above 1.3e-6, or on one side only, fails).
    Then three of any activation. Leaky ReLU and ELU get sigma_b >= 0.05: at sigma_b = 0 their fixed point is slow to reach."""
    return [
        _draw(rng, "tanh", (1.36, 1.40), (0.0, 0.05)),
        _draw(rng, "relu", (1.21, 1.33), (0.0, 1.0)),
        _draw(rng, "relu", (1.36, 1.39), (0.0, 1.0)),
        Case(("tanh", 1.0)),  # sigma_b left at its default, 0: q* = 0 and chi_1 = tanh'(0)^2 = 1 exactly
        Case(("relu", math.sqrt(2), 0.0)),  # He: chi_1 = 1.0000000000000002 in floating point
        Case(("relu", math.sqrt(2), float(rng.uniform(0.2, 1.0)))),  # ReLU's chi_1 ignores sigma_b
        Case(("relu", math.sqrt(2 * (1 - rng.uniform(0.7e-6, 0.9e-6))))),  # critical: just inside the tolerance
        _draw(rng, "sigmoid", (1.5, 3.5), (0.0, 1.0)),
        _draw(rng, "tanh", (1.1, 1.3), (0.5, 1.0), lambda factor, sw, sb: factor < 1 and _chi1("tanh", sw, 0.0) > 1.02),
        *(Case(("relu", math.sqrt(2 * (1 + side * rng.uniform(1.1e-6, 1.3e-6))), float(rng.uniform(0.0, 1.0))))
          for side in rng.permutation([-1, 1])),
        *(_draw(rng, activation, (0.3, 3.0), (0.05 if activation in ("leaky_relu", "elu") else 0.0, 1.0))
          for activation in (str(a) for a in rng.choice(GENERAL, size=3, replace=False))),
    ]


def _classify(factor):
    """A learner's three answers from a factor, with the stated tolerance."""
    return "critical" if abs(factor - 1) <= CRITICAL_TOLERANCE else "vanishing" if factor < 1 else "exploding"


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
        "squared gradient: below 1 the gradient vanishes layer after layer, above 1 it explodes.",
        "At chi_1 = 1 the gradient keeps its size: 'critical'. Computed in floating point, a factor that is 1 "
        "in theory can come out as 1.0000000000000002: compare with the tolerance the exercise states "
        "(|chi_1 - 1| <= 1e-6), not with ==. Pass sigma_b on: it moves tanh's edge of chaos.",
    ),
    mistakes=(
        Mistake("chi_1 == 1 exactly", lambda activation, sigma_w, sigma_b=0.0: (
            lambda c: "critical" if c == 1 else "vanishing" if c < 1 else "exploding")(
                chi1(activation, sigma_w, sigma_b)),
            "Your answer is right where chi_1 comes out as exactly 1.0, but He-initialised ReLU gives "
            "1.0000000000000002 in floating point: compare |chi_1 - 1| with the stated tolerance, 1e-6, not with =="),
        Mistake("two answers: no 'critical'", lambda activation, sigma_w, sigma_b=0.0: (
            "vanishing" if chi1(activation, sigma_w, sigma_b) < 1 else "exploding"),
            "At chi_1 = 1 (to within 1e-6) the gradient neither vanishes nor explodes: the answer there is "
            "'critical', the edge of chaos, where He-initialised ReLU and tanh with sigma_w = 1, sigma_b = 0 sit."),
        Mistake("ReLU's chi_1 = sigma_w^2 / 2 for every activation", lambda activation, sigma_w, sigma_b=0.0: (
            _classify(sigma_w**2 / 2)),
            "Your answers follow sigma_w^2 / 2, which is chi_1 for ReLU only: other activations have other "
            "derivatives (and tanh's depends on sigma_b). Compute chi_1 for the activation you are given."),
        Mistake("a fixed threshold on sigma_w", lambda activation, sigma_w, sigma_b=0.0: (
            "vanishing" if sigma_w < 1.35 else "exploding"),
            "Your answers depend on sigma_w alone: where the edge of chaos lies depends on the activation and on "
            "sigma_b (for ReLU at sqrt(2), for the sigmoid nowhere below 4). Compute chi_1 for each case."),
        Mistake("sigma_b ignored", lambda activation, sigma_w, sigma_b=0.0: _classify(chi1(activation, sigma_w)),
            "Your answers are right without a bias, but sigma_b changes the fixed point q* and with it chi_1: "
            "for tanh a bias moves the edge of chaos to larger sigma_w. Pass sigma_b to theory.chi1."),
        Mistake("sigma_w^2 passed as sigma_w", lambda activation, sigma_w, sigma_b=0.0: (
            _classify(chi1(activation, sigma_w**2, sigma_b))),
            "Your answers use chi_1 at sigma_w^2: theory.chi1 takes the standard deviation sigma_w itself (the "
            "weights are N(0, sigma_w^2 / N)), and squares it inside."),
    ),
))
