"""The mutant catalogue of notebook 04 (harness: tests/mutants.py), and what the checks of 4.1, 4.2 and 4.4
promise: a right random initialiser is rejected with a probability below 1e-6 per check, and the cases of
4.4 hold exactly critical initialisations and keep every drawn one clear of chi_1 = 1."""
import functools
import itertools
import math

import numpy as np
import pytest
from scipy.special import ndtri

from mutants import _cases, catalogue_tests
from vgrad import theory
from vgrad.exercises import EXERCISES, run
from vgrad.exercises import ch04
from vgrad.nn import MLP, get_activation, init_weights
from vgrad.nn import init as course_init

NOTEBOOK = "04_initialization"

chi1 = functools.lru_cache(maxsize=None)(theory.chi1)  # the answers below call it as a learner would; cached for speed


def three_way(factor, tol=1e-6):
    return "critical" if abs(factor - 1) <= tol else "vanishing" if factor < 1 else "exploding"


# ---- 4.1 he_normal -----------------------------------------------------------------------------------

def he_std(fan_in):
    return np.sqrt(2.0 / fan_in)


def truncated(rng, shape, std, rescale):
    """Normal draws redrawn beyond 2 standard deviations (TensorFlow's truncated_normal), optionally divided
    by 0.8796 so that the variance is right again (as Keras does)."""
    x = rng.standard_normal(shape)
    while (out := np.abs(x) > 2).any():
        x[out] = rng.standard_normal(int(out.sum()))
    return x * std / (0.8796256610342398 if rescale else 1.0)


def box_muller(fan_in, fan_out, rng):
    u1, u2 = rng.random((2, fan_in, fan_out))
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2) * np.sqrt(2.0 / fan_in)


def he_by_columns(fan_in, fan_out, rng):
    std = math.sqrt(2 / fan_in)
    return np.column_stack([rng.normal(0.0, std, fan_in) for _ in range(fan_out)])


# ---- 4.2 xavier_uniform -------------------------------------------------------------------------------

def limit(fan_in, fan_out):
    return np.sqrt(6.0 / (fan_in + fan_out))


def xavier_by_rows(fan_in, fan_out, rng):
    bound = math.sqrt(6 / (fan_in + fan_out))
    return np.array([rng.uniform(-bound, bound, fan_out) for _ in range(fan_in)])


# ---- 4.3 gain -------------------------------------------------------------------------------------------

def gain_monte_carlo():
    """A mean over 10^6 draws, fresh for every call (each from a seed of its own, so the test is the same
    every time): relative error about 1e-3."""
    seeds = itertools.count()

    def gain(phi):
        z = np.random.default_rng(next(seeds)).standard_normal(10**6)
        return 1.0 / np.sqrt(np.mean(phi(z) ** 2))

    return gain


def gain_trapezoid(phi):
    z = np.linspace(-12.0, 12.0, 48001)
    return 1.0 / np.sqrt(np.trapezoid(phi(z) ** 2 * np.exp(-z * z / 2), z) / np.sqrt(2 * np.pi))


def gain_hermite(phi):
    nodes, weights = np.polynomial.hermite_e.hermegauss(100)
    return 1.0 / math.sqrt(float(np.sum(weights * phi(nodes) ** 2)) / math.sqrt(2 * math.pi))


GAIN_TABLE = {"relu": math.sqrt(2), "tanh": 1.5925, "sigmoid": 1.8462, "leaky_relu": math.sqrt(2 / (1 + 0.01**2)),
              "elu": 1.2453}


def gain_by_name(phi):
    """Looks the activation up by its name, with the default alpha: right for three cases only."""
    return GAIN_TABLE[getattr(phi, "func", phi).__name__]


_Z32 = np.random.default_rng(0).standard_normal(10**6, dtype=np.float32)


def gain_float32(phi):
    return 1 / np.sqrt(np.mean(phi(_Z32) ** 2))


# ---- 4.4 predict_gradients ------------------------------------------------------------------------------

def chi1_at_unit_variance(activation, sigma_w, sigma_b=0.0):
    """chi_1 worked out by hand at q = 1 instead of the fixed point q*."""
    df = get_activation(activation).df
    return three_way(sigma_w**2 * theory.gaussian_expectation(lambda h: df(h) ** 2, 1.0))


WRONG = {
    "he_normal": {
        "standardised after drawing": lambda fan_in, fan_out, rng: (lambda z: (z - z.mean()) / z.std())(
            rng.standard_normal((fan_in, fan_out))) * math.sqrt(2 / fan_in),
        "normal quantiles on a grid, shuffled": lambda fan_in, fan_out, rng: rng.permutation(ndtri(
            (np.arange(fan_in * fan_out) + 0.5) / (fan_in * fan_out))).reshape(fan_in, fan_out) * math.sqrt(2 / fan_in),
        "drawn in float32, then converted": lambda fan_in, fan_out, rng: rng.standard_normal(
            (fan_in, fan_out), dtype=np.float32).astype(np.float64) * math.sqrt(2 / fan_in),
        "float32": lambda fan_in, fan_out, rng: rng.normal(0, he_std(fan_in), (fan_in, fan_out)).astype(np.float32),
        "a fixed seed: np.random.default_rng(0)": lambda fan_in, fan_out, rng: np.random.default_rng(0).normal(
            0, he_std(fan_in), (fan_in, fan_out)),
        "the global np.random": lambda fan_in, fan_out, rng: np.random.normal(0, he_std(fan_in), (fan_in, fan_out)),
        "a fresh generator of its own": lambda fan_in, fan_out, rng: np.random.default_rng().normal(
            0, he_std(fan_in), (fan_in, fan_out)),
        "a generator seeded by the shape": lambda fan_in, fan_out, rng: np.random.default_rng(fan_in * fan_out).normal(
            0, he_std(fan_in), (fan_in, fan_out)),
        "one column tiled across the matrix": lambda fan_in, fan_out, rng: np.tile(
            rng.normal(0, he_std(fan_in), (fan_in, 1)), (1, fan_out)),
        "one row for every input": lambda fan_in, fan_out, rng: rng.normal(0, he_std(fan_in), fan_out) * np.ones(
            (fan_in, 1)),
        "half the columns drawn, then repeated": lambda fan_in, fan_out, rng: np.tile(
            rng.normal(0, he_std(fan_in), (fan_in, fan_out // 2 + 1)), (1, 2))[:, :fan_out],
        "sorted draws": lambda fan_in, fan_out, rng: np.sort(rng.normal(0, he_std(fan_in), fan_in * fan_out)).reshape(
            fan_in, fan_out),
        "each column sorted": lambda fan_in, fan_out, rng: np.sort(rng.normal(0, he_std(fan_in), (fan_in, fan_out)),
                                                                   axis=0),
        "each row sorted": lambda fan_in, fan_out, rng: np.sort(rng.normal(0, he_std(fan_in), (fan_in, fan_out)),
                                                                axis=1),
        "Laplace draws of the right variance": lambda fan_in, fan_out, rng: rng.laplace(
            0, he_std(fan_in) / np.sqrt(2), (fan_in, fan_out)),
        "truncated at 2 standard deviations": lambda fan_in, fan_out, rng: truncated(
            rng, (fan_in, fan_out), he_std(fan_in), rescale=False),
        "truncated, rescaled to the right variance": lambda fan_in, fan_out, rng: truncated(
            rng, (fan_in, fan_out), he_std(fan_in), rescale=True),
        "a constant matrix": lambda fan_in, fan_out, rng: np.full((fan_in, fan_out), he_std(fan_in)),
        "the course's he_normal through init_weights": lambda fan_in, fan_out, rng: init_weights(
            "he_normal", fan_in, fan_out, rng),
        "the course's he_normal through a partial": functools.partial(course_init.he_normal),
        "a layer of the course's MLP": lambda fan_in, fan_out, rng: MLP(
            [fan_in, fan_out], activation="relu", init="he_normal", seed=int(rng.integers(2**31))).layers[0].W,
    },
    "xavier_uniform": {
        "a shuffled linspace": lambda fan_in, fan_out, rng: rng.permutation(np.linspace(
            -1, 1, fan_in * fan_out)).reshape(fan_in, fan_out) * limit(fan_in, fan_out),
        "a shuffled grid with a random offset": lambda fan_in, fan_out, rng: rng.permutation(
            (np.arange(fan_in * fan_out) + rng.random()) * 2 / (fan_in * fan_out) - 1).reshape(
                fan_in, fan_out) * limit(fan_in, fan_out),
        "drawn in float32, then converted": lambda fan_in, fan_out, rng: (2 * rng.random(
            (fan_in, fan_out), dtype=np.float32).astype(np.float64) - 1) * limit(fan_in, fan_out),
        "float32": lambda fan_in, fan_out, rng: rng.uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), (fan_in, fan_out)).astype(np.float32),
        "a fixed seed: np.random.default_rng(0)": lambda fan_in, fan_out, rng: np.random.default_rng(0).uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), (fan_in, fan_out)),
        "the global np.random": lambda fan_in, fan_out, rng: np.random.uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), (fan_in, fan_out)),
        "one column tiled across the matrix": lambda fan_in, fan_out, rng: np.tile(
            rng.uniform(-limit(fan_in, fan_out), limit(fan_in, fan_out), (fan_in, 1)), (1, fan_out)),
        "one row for every input": lambda fan_in, fan_out, rng: np.broadcast_to(
            rng.uniform(-limit(fan_in, fan_out), limit(fan_in, fan_out), fan_out), (fan_in, fan_out)).copy(),
        "sorted draws": lambda fan_in, fan_out, rng: np.sort(rng.uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), fan_in * fan_out)).reshape(fan_in, fan_out),
        "each column sorted": lambda fan_in, fan_out, rng: np.sort(rng.uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), (fan_in, fan_out)), axis=0),
        "two uniforms added, rescaled to the right variance": lambda fan_in, fan_out, rng: rng.uniform(
            -limit(fan_in, fan_out), limit(fan_in, fan_out), (2, fan_in, fan_out)).sum(axis=0) / np.sqrt(2),
        "a normal clipped to [-l, l]": lambda fan_in, fan_out, rng: np.clip(rng.normal(
            0, np.sqrt(2 / (fan_in + fan_out)), (fan_in, fan_out)), -limit(fan_in, fan_out), limit(fan_in, fan_out)),
        "a constant matrix": lambda fan_in, fan_out, rng: np.full((fan_in, fan_out), limit(fan_in, fan_out)),
        "the course's xavier_uniform through init_weights": lambda fan_in, fan_out, rng: init_weights(
            "xavier_uniform", fan_in, fan_out, rng),
        "the course's he_uniform on a taller matrix": lambda fan_in, fan_out, rng: course_init.he_uniform(
            fan_in + fan_out, fan_out, rng)[:fan_in],
    },
    "gain": {
        "a table by name, with the default alphas": gain_by_name,
        "a constant: sqrt(2)": lambda phi: math.sqrt(2),
        "the square of the mean, E[phi(z)]^2": lambda phi: 1 / math.sqrt(ch04._moment(phi(ch04._Z)) ** 2),
        "float32 draws": gain_float32,
        "the course's theory.gain": lambda phi: theory.gain(phi),
        "the course's theory.gain through a partial": functools.partial(theory.gain),
    },
    "predict_gradients": {
        "always 'vanishing'": lambda activation, sigma_w, sigma_b=0.0: "vanishing",
        "the labels swapped": lambda activation, sigma_w, sigma_b=0.0: {"vanishing": "exploding", "exploding": (
            "vanishing")}.get(three_way(chi1(activation, sigma_w, sigma_b)), "critical"),
        "returns chi_1 itself": lambda activation, sigma_w, sigma_b=0.0: chi1(activation, sigma_w, sigma_b),
        "a tolerance of 0.01": lambda activation, sigma_w, sigma_b=0.0: three_way(chi1(activation, sigma_w, sigma_b),
                                                                                  tol=0.01),
        "math.isclose with its default rel_tol=1e-9": lambda activation, sigma_w, sigma_b=0.0: (
            lambda c: "critical" if math.isclose(c, 1.0) else ["exploding", "vanishing"][c < 1])(
                chi1(activation, sigma_w, sigma_b)),
        "chi_1 rounded to 5 decimals": lambda activation, sigma_w, sigma_b=0.0: three_way(
            round(chi1(activation, sigma_w, sigma_b), 5), tol=0.0),
        "chi_1 rounded to 6 decimals": lambda activation, sigma_w, sigma_b=0.0: three_way(
            round(chi1(activation, sigma_w, sigma_b), 6), tol=0.0),
        "a tolerance of 1e-8": lambda activation, sigma_w, sigma_b=0.0: three_way(chi1(activation, sigma_w, sigma_b),
                                                                                  tol=1e-8),
        "the tolerance on sqrt(chi_1)": lambda activation, sigma_w, sigma_b=0.0: three_way(
            math.sqrt(chi1(activation, sigma_w, sigma_b)), tol=1e-6),
        "a tolerance of 1e-5": lambda activation, sigma_w, sigma_b=0.0: three_way(chi1(activation, sigma_w, sigma_b),
                                                                                  tol=1e-5),
        "the tolerance above 1 only": lambda activation, sigma_w, sigma_b=0.0: (
            lambda c: "vanishing" if c < 1 else "critical" if c <= 1 + 1e-6 else "exploding")(
                chi1(activation, sigma_w, sigma_b)),
        "critical within 5 % (chi_1 rounded to one decimal)": lambda activation, sigma_w, sigma_b=0.0: three_way(
            chi1(activation, sigma_w, sigma_b), tol=0.05),
        "sigma_w and sigma_b swapped": lambda activation, sigma_w, sigma_b=0.0: three_way(
            chi1(activation, sigma_b, sigma_w)),
        "chi_1 at q = 1 instead of q*": chi1_at_unit_variance,
        "the exercise's reference": lambda activation, sigma_w, sigma_b=0.0: ch04._predict_reference(
            activation, sigma_w, sigma_b),
    },
}

RIGHT = {
    "he_normal": {
        "standard normal times the standard deviation": lambda fan_in, fan_out, rng: rng.standard_normal(
            (fan_in, fan_out)) * math.sqrt(2 / fan_in),
        "drawn as (fan_out, fan_in) and transposed": lambda fan_in, fan_out, rng: rng.normal(
            0.0, np.sqrt(2 / fan_in), size=(fan_out, fan_in)).T,
        "a column at a time": he_by_columns,
        "Box-Muller from uniform draws": box_muller,
    },
    "xavier_uniform": {
        "2 u - 1 times the limit": lambda fan_in, fan_out, rng: (2 * rng.random((fan_in, fan_out)) - 1) * limit(
            fan_in, fan_out),
        "U(-1, 1) scaled": lambda fan_in, fan_out, rng: rng.uniform(-1, 1, (fan_in, fan_out)) * math.sqrt(
            6 / (fan_in + fan_out)),
        "a row at a time": xavier_by_rows,
        "U(-sqrt 3, sqrt 3) times the standard deviation": lambda fan_in, fan_out, rng: rng.uniform(
            -np.sqrt(3), np.sqrt(3), (fan_in, fan_out)) * np.sqrt(2 / (fan_in + fan_out)),
    },
    "gain": {
        "Monte Carlo, 10^6 draws": gain_monte_carlo(),
        "the trapezoid rule on [-12, 12]": gain_trapezoid,
        "Gauss-Hermite quadrature, 100 nodes": gain_hermite,
    },
    "predict_gradients": {
        "math.isclose with abs_tol=1e-6": lambda activation, sigma_w, sigma_b=0.0: (
            lambda c: "critical" if math.isclose(c, 1.0, abs_tol=1e-6) else ["exploding", "vanishing"][c < 1])(
                chi1(activation, sigma_w, sigma_b)),
        "capitalised labels (read as 2.3 reads them)": lambda activation, sigma_w, sigma_b=0.0: three_way(
            chi1(activation, sigma_w, sigma_b)).capitalize(),
        "by the logarithm": lambda activation, sigma_w, sigma_b=0.0: (
            lambda r: "critical" if abs(r) <= 1e-6 else "vanishing" if r < 0 else "exploding")(
                math.log(chi1(activation, sigma_w, sigma_b))),
    },
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)


# ---- what the checks promise ------------------------------------------------------------------------------

def test_a_right_initialiser_is_rejected_with_probability_below_one_in_a_million():
    """The union bound of ch04's comment: every test of every case at ALPHA, plus the check across cases."""
    for name in ("he_normal", "xavier_uniform"):
        assert len(EXERCISES[name].cases(np.random.default_rng(0))) == ch04.INIT_CASES
    per_check = sum(ch04.ALPHA for _case in range(ch04.INIT_CASES) for _test in ch04.SAMPLE_TESTS) + ch04.ACROSS_CASES
    assert per_check == pytest.approx(ch04.FALSE_REJECTION) and per_check < 1e-6


def test_the_exact_mean_and_even_spacing_tests_hold_their_probability():
    """The bounds of ch04's comment, at the largest and the smallest matrix a case asks for."""
    sizes = [math.prod(c.args[:2]) for k in range(-1, 50) for c in _cases("he_normal", k)]
    assert ch04.EXACT_MEAN * max(sizes) <= ch04.ALPHA
    n = min(sizes)
    assert (1 - (n - 1) * ch04.EVEN_SPACING / n) ** n <= ch04.ALPHA


@pytest.mark.parametrize("p", [0.5, ch04.TAIL_P, 0.3829])
def test_the_binomial_bands_hold_their_probability(p):
    """SciPy's quantiles, against the exact binomial tails summed term by term."""
    n = 3000
    low, high = ch04._binomial_band(n, p, ch04.ALPHA)
    k = np.arange(n + 1)
    log_pmf = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k]) + (
        k * math.log(p) + (n - k) * math.log1p(-p))
    outside = np.exp(log_pmf[(k < low) | (k > high)]).sum()
    assert outside <= ch04.ALPHA and low < n * p < high


def test_the_spread_bands_hold_their_probability():
    """Normal: the chi-square band leaves at most ALPHA outside (regularised gamma functions) and lies
    inside Laurent & Massart's (2000) bound. Uniform: Bernstein's band is wider than 5.6 standard
    deviations (a two-sided normal tail of 2e-8) on each side."""
    from scipy.special import gammainc, gammaincc

    n = 5000
    low, high = ch04._spread_band(n, "normal", ch04.ALPHA)
    assert gammainc(n / 2, low / 2) + gammaincc(n / 2, high / 2) <= ch04.ALPHA * (1 + 1e-9)
    log = math.log(2 / ch04.ALPHA)
    assert n - 2 * math.sqrt(n * log) <= low < n < high <= n + 2 * math.sqrt(n * log) + 2 * log
    low, high = ch04._spread_band(n, "uniform", ch04.ALPHA)
    sd = math.sqrt(n * 4 / 45)
    assert (n / 3 - low) / sd > 5.6 and (high - n / 3) / sd > 5.6


def test_a_random_initialiser_is_judged_column_by_column_and_for_its_generator():
    std = lambda fan_in: math.sqrt(2 / fan_in)  # noqa: E731

    def one_unit_too_small(fan_in, fan_out, rng):  # every column but the first is right
        w = rng.normal(0, std(fan_in), (fan_in, fan_out))
        w[:, 0] *= 0.05
        return w

    res = run(one_unit_too_small, "he_normal")
    assert res.status == "failed" and "column 0 (the weights into unit 0)" in res.message, res.message
    res = run(lambda fan_in, fan_out, rng: np.random.normal(0, std(fan_in), (fan_in, fan_out)), "he_normal")
    assert "same state" in res.message and "np.random.normal" in res.message, res.message
    res = run(lambda fan_in, fan_out, rng: np.random.default_rng(0).normal(0, std(fan_in), (fan_in, fan_out)),
              "he_normal")
    assert "different states" in res.message and "default_rng(0)" in res.message, res.message


@pytest.mark.parametrize("name, wrong, says", [
    ("he_normal", "one column tiled across the matrix", "repeat a value"),
    ("he_normal", "each column sorted", "neighbouring columns are alike"),
    ("he_normal", "each row sorted", "neighbouring columns are alike"),
    ("he_normal", "half the columns drawn, then repeated", "repeat a value"),
    ("he_normal", "Laplace draws of the right variance", "do not follow N(0, 2/fan_in)"),
    ("he_normal", "truncated, rescaled to the right variance", "truncated"),
    ("he_normal", "float32", "float32"),
    ("he_normal", "drawn in float32, then converted", "only float32 precision"),
    ("he_normal", "standardised after drawing", "centred or standardised"),
    ("he_normal", "normal quantiles on a grid, shuffled", "laid out on a grid"),
    ("xavier_uniform", "a shuffled linspace", "laid out on a grid"),
    ("xavier_uniform", "a shuffled grid with a random offset", "too evenly"),
    ("xavier_uniform", "two uniforms added, rescaled to the right variance", "outside [-l, l]"),
])
def test_the_feedback_names_what_is_wrong(name, wrong, says):
    res = run(WRONG[name][wrong], name)
    assert res.status == "failed" and says in res.message, res.message


def test_predict_gradients_cases_hold_the_critical_points_and_keep_clear_of_the_edge():
    seen = set()
    for k in range(-1, 40):
        for case in _cases("predict_gradients", k):
            activation, sigma_w, *rest = case.args
            factor = theory.chi1(activation, sigma_w, *rest)
            answer = EXERCISES["predict_gradients"].reference(*case.args)
            seen.add((activation, answer))
            if answer == "critical":
                assert abs(factor - 1) <= 0.9e-6
            else:  # drawn clear of the edge, or a ReLU set just outside the stated tolerance
                assert abs(factor - 1) > ch04.DRAWN_MARGIN or activation == "relu" and 1.1e-6 <= abs(factor - 1) <= 1.3e-6
    for activation, answer in [("relu", "critical"), ("tanh", "critical"), ("relu", "vanishing"),
                               ("relu", "exploding"), ("tanh", "vanishing"), ("tanh", "exploding"),
                               ("sigmoid", "vanishing")]:
        assert (activation, answer) in seen
    assert {a for a, _ in seen} >= {"relu", "tanh", "sigmoid", "elu", "leaky_relu", "linear"}


def test_he_relu_and_tanh_at_one_are_critical():
    reference = EXERCISES["predict_gradients"].reference
    assert theory.chi1("relu", math.sqrt(2)) != 1  # 1.0000000000000002: an == test gets this wrong
    assert reference("relu", math.sqrt(2)) == reference("tanh", 1.0) == "critical"
    assert reference("relu", math.sqrt(2), 0.7) == "critical"  # ReLU's chi_1 does not depend on sigma_b
