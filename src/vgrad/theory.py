"""Closed forms and predictions, computed rather than quoted."""
import math
import warnings
from functools import lru_cache

import numpy as np
from scipy.integrate import IntegrationWarning, quad
from scipy.optimize import brentq
from scipy.special import roots_legendre

from .errors import InputError

#: sigma'(a) = sigma(a)(1 - sigma(a)) is largest at a = 0, where sigma = 1/2: 1/2 * 1/2.
SIGMOID_GRAD_MAX = 0.25


def sigmoid_chain_bound(depth, w=1.0):
    """Upper bound on |dh_n/dh_0| for a chain of ``depth`` sigmoid units with weight ``w``.

    Each link multiplies the gradient by w * sigma'(a) and sigma'(a) <= 1/4, so the product
    is at most (|w|/4)^depth (Hochreiter 1991). ``depth`` may be an array.
    """
    return (abs(w) * SIGMOID_GRAD_MAX) ** np.asarray(depth, dtype=np.float64)


def depth_below(threshold, w=1.0):
    """The smallest depth n >= 1 whose bound (|w|/4)^n is below ``threshold``.

    None when |w| >= 4: the bound then never shrinks.
    """
    if not threshold > 0:
        raise InputError(f"threshold must be positive; got {threshold}")
    factor = abs(w) * SIGMOID_GRAD_MAX
    if factor >= 1:
        return None
    if factor == 0:
        return 1
    n = max(1, math.ceil(math.log(threshold) / math.log(factor)))
    # Step across the boundary exactly, whatever rounding the logarithms did.
    while factor**n >= threshold:
        n += 1
    while n > 1 and factor ** (n - 1) < threshold:
        n -= 1
    return n


def underflow_depth(factor, dtype):
    """How many multiplications by ``factor`` (0 < factor < 1), carried out in ``dtype``,
    take 1.0 to exactly 0 — the depth at which a gradient of that size is lost entirely — or None
    when they never do: for a factor above 1/2 (after rounding to ``dtype``) the smallest subnormal
    times the factor rounds back to itself, and the product stops there, above 0."""
    one, f = _factor_in(factor, dtype)
    if f > 0.5:
        return None
    g, n = one, 0
    while g > 0:  # at most about 1,075 steps (float64, factor 1/2)
        g = f.dtype.type(g * f)
        n += 1
    return n


MAX_STEPS = 10**6  # subnormal_depth counts at most this many multiplications


def subnormal_depth(factor, dtype):
    """How many multiplications by ``factor`` (0 < factor < 1) take 1.0 below the smallest normal
    number of ``dtype`` — from there on the gradient keeps fewer and fewer significant bits — or None
    when the product stops changing above it (a factor so close to 1 that g * factor rounds to g)."""
    one, f = _factor_in(factor, dtype)
    tiny = np.finfo(f.dtype).tiny
    steps = float(np.log(tiny) / np.log(f))
    if steps > MAX_STEPS:
        raise InputError(f"factor {factor} is so close to 1 that it takes about {steps:.3g} multiplications to "
                         f"fall below {tiny:.3g}: more than this function counts one by one ({MAX_STEPS:,})")
    g, n = one, 0
    while g >= tiny:
        product = f.dtype.type(g * f)
        if product == g:
            return None
        g, n = product, n + 1
    return n


def _factor_in(factor, dtype):
    """(1, factor) as numbers of ``dtype``, after checking that the factor lies in (0, 1) there."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise InputError(f"dtype must be a floating type; got {dtype.name}")
    one, f = dtype.type(1.0), dtype.type(factor)
    if not 0 < f < one:
        raise InputError(f"factor must be in (0, 1) in {dtype.name}; got {factor}")
    return one, f


def message_strength(keep, people):
    """The whispered message: what is left after each of ``people`` listeners passes on a fraction
    ``keep`` of what they heard. Entry k is keep**k (k = 0 .. people)."""
    if not (isinstance(people, (int, np.integer)) and people >= 0):
        raise InputError(f"people must be a whole number >= 0; got {people!r}")
    return float(keep) ** np.arange(people + 1, dtype=np.float64)


# ---- signal propagation in wide random networks (mean-field theory) ---------------------------
#
# A deep network with weights W_ij ~ N(0, sigma_w^2 / N) and biases b_i ~ N(0, sigma_b^2), in the
# limit of wide layers (Poole et al. 2016; Schoenholz et al. 2017): the pre-activations of a layer
# are Gaussian with variance q, which evolves layer by layer as
#
#     q_{l+1} = sigma_w^2 E[phi(sqrt(q_l) z)^2] + sigma_b^2,      z ~ N(0, 1),
#
# towards a fixed point q*. There, each layer multiplies the mean squared backpropagated gradient by
#
#     chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2]:
#
# chi_1 < 1, gradients vanish geometrically (ordered phase); chi_1 > 1, they explode (chaotic phase).

#: Relative accuracy asked of every Gaussian expectation, and so of q* and chi_1 (to about 1e-10 away
#: from the critical line, where the fixed point turns ill-conditioned).
RTOL = 1e-12

#: The fast rule's panels: Gauss-Legendre on z in [0, Z_MAX], where the Gaussian weight falls to 5e-32 of its
#: peak; uniform panels, and panels halving towards 0 (down to 7e-19), where phi(sqrt(q) z) turns within
#: 1 / sqrt(q) for a large variance q.
Z_MAX = 12.0
_EDGES = np.unique(np.concatenate([Z_MAX * 2.0 ** -np.arange(65.0), np.linspace(0.0, Z_MAX, 25), [0.0]]))
_TAIL_Z = np.array([Z_MAX, 1.25 * Z_MAX, 1.5 * Z_MAX])  # where f must have become negligible
_TAIL_WEIGHT = np.tile(np.exp(-0.5 * _TAIL_Z**2) / math.sqrt(2 * math.pi) * Z_MAX, 2)  # about its mass beyond


@lru_cache(maxsize=4)
def _panel_rule(nodes):
    """Nodes z > 0 and weights w such that sum w f(z) = integral of f(z) e^{-z^2/2} / sqrt(2 pi) over z > 0,
    for f smooth on each panel: ``nodes`` Gauss-Legendre points (``scipy.special.roots_legendre``) per panel."""
    x, w = roots_legendre(nodes)
    a, b = _EDGES[:-1, None], _EDGES[1:, None]
    z = (b - a) / 2 * x + (b + a) / 2
    return z.ravel(), ((b - a) / 2 * w * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)).ravel()


def _fast_expectation(f, s):
    """(E[f(s z)], E[|f(s z)|]) by the panel rule with 20 points per panel, or None when it cannot vouch for
    RTOL: when the 12-point rule differs by more than RTOL E|f| (it is far less accurate), when f is not
    negligible beyond Z_MAX, or when f does not take and return an array of values."""
    estimates = []
    for nodes in (12, 20):
        z, w = _panel_rule(nodes)
        points = np.concatenate([-s * z, s * z, -s * _TAIL_Z, s * _TAIL_Z])
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = np.asarray(f(points), dtype=np.float64)
        except Exception:  # a function of one number at a time, say: the adaptive rule
            return None
        if values.shape != points.shape or not np.all(np.isfinite(values)):
            return None
        n = len(z)
        estimates.append(float(w @ (values[:n] + values[n:2 * n])))
        scale = float(w @ (np.abs(values[:n]) + np.abs(values[n:2 * n])))
        tail = np.abs(values[2 * n:]) * _TAIL_WEIGHT
    coarse, fine = estimates
    if abs(fine - coarse) <= RTOL * scale and np.all(tail <= 1e-3 * RTOL * scale):
        return fine, scale
    return None


def gaussian_expectation(f, variance=1.0):
    """E[f(h)] for h ~ N(0, variance), h = sqrt(variance) z, over z < 0 and z > 0 separately: every
    activation of ``vgrad.nn`` has its kink, if any, at 0.

    First a fixed Gauss-Legendre rule on graded panels, checked against a coarser one and for a tail beyond
    |z| = 12 (a fraction of a millisecond: q* and chi_1 need dozens of expectations, and a class's grading
    thousands); where a check fails or ``f`` takes one number at a time, SciPy's adaptive quadrature
    (``scipy.integrate.quad``), which calls ``f`` with one value (a 0-d array). The accuracy asked is RTOL
    relative to E[|f(h)|], so an expectation of 0 (an odd f) comes out as 0 to rounding. Raises
    ``InputError`` if neither rule reaches it (an integral that diverges, for example) or f fails."""
    try:
        variance = float(variance)
    except (TypeError, ValueError):
        raise InputError(f"variance must be a number >= 0; got {variance!r}") from None
    if not 0 <= variance < math.inf:
        raise InputError(f"variance must be a finite number >= 0; got {variance}")
    s = math.sqrt(variance)
    fast = _fast_expectation(f, s)
    if fast is not None:
        return fast[0]

    def integrand(z):
        try:
            with np.errstate(all="ignore"):  # a value that is not finite fails the quadrature below
                value = np.asarray(f(np.array(s * z)), dtype=np.float64)
        except Exception as exc:
            raise InputError(f"the function raised {type(exc).__name__} on the value {s * z!r}: {exc}") from None
        if value.size != 1:
            raise InputError(f"the function must return one value for each value it is given; for one, it "
                             f"returned {value.size}")
        return value.item() * math.exp(-0.5 * z * z)

    total, error, scale = 0.0, 0.0, 0.0
    for a, b in ((-np.inf, 0.0), (0.0, np.inf)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", IntegrationWarning)
            try:
                size = quad(lambda z: abs(integrand(z)), a, b, epsabs=0.0, epsrel=1e-3, limit=200)[0]
                value, err = quad(integrand, a, b, epsabs=RTOL * size, epsrel=RTOL, limit=500)
            except (IntegrationWarning, OverflowError) as warning:
                raise InputError(f"the Gaussian expectation did not converge: {warning}") from None
        total, error, scale = total + value, error + err, scale + size
    if not (math.isfinite(total) and error <= 10 * RTOL * scale + 1e-300):
        raise InputError(f"the Gaussian expectation did not converge (value {total}, error estimate {error})")
    return total / math.sqrt(2 * math.pi)


def _phi(activation):
    from .nn.activations import get_activation  # theory is also used where nn is not needed

    return get_activation(activation)


def _is(act, name):
    from .nn.activations import ACTIVATIONS

    return act is ACTIVATIONS[name]


def _check_sigmas(sigma_w, sigma_b):
    if not (0 <= sigma_w < math.inf and 0 <= sigma_b < math.inf):
        raise InputError(f"sigma_w and sigma_b are standard deviations (finite, >= 0); got {sigma_w}, {sigma_b}")


def q_map(q, activation, sigma_w, sigma_b=0.0):
    """One layer of the variance map: q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2."""
    act = _phi(activation)
    return sigma_w**2 * gaussian_expectation(lambda h: act.f(h) ** 2, q) + sigma_b**2


EPS = np.finfo(float).eps

#: q beyond Q_INF counts as unbounded (q* = inf), below Q_ZERO as collapsed (q* = 0).
Q_INF, Q_ZERO = 1e30, 1e-280


def q_star(activation, sigma_w, sigma_b=0.0, q0=1.0):
    """The fixed point of the variance map that iterating it from q0 reaches: inf when q grows without
    bound (ReLU with sigma_w^2 > 2, say), 0 when it collapses (tanh with sigma_w <= 1 and no bias).

    Every activation of ``vgrad.nn`` makes the map increasing in q, so the iterates move monotonically
    towards that fixed point and never pass it. A few iterations, then a scan onwards in steps of 5 %
    (growing slowly where none is found) until the map crosses q, then Brent's method
    (``scipy.optimize.brentq``) in that step. The scan finds the nearest fixed point unless two more lie
    within one step of it (a map that touches q without crossing is not seen either)."""
    _check_sigmas(sigma_w, sigma_b)
    if not 0 < q0 < math.inf:
        raise InputError(f"q0 must be a positive number; got {q0}")
    act = _phi(activation)
    if _is(act, "tanh") and sigma_b == 0 and sigma_w <= 1:
        return 0.0  # tanh(h)^2 < h^2, so q -> sigma_w^2 E[tanh^2] < q, down to 0 (slowly at sigma_w = 1)
    qmap = lambda q: q_map(q, act, sigma_w, sigma_b)

    def root(a, b):  # the fixed point in [a, b], where qmap(q) - q changes sign
        low, high = sorted((a, b))
        return float(brentq(lambda x: qmap(x) - x, low, high, xtol=1e-300, rtol=4 * EPS, maxiter=200))

    q, mapped = q0, qmap(q0)
    if mapped == q:
        return float(q)
    up = mapped > q
    for _ in range(8):  # iterates: safe bounds, and quick progress where the map is far from flat
        step = mapped - q
        q, mapped = mapped, qmap(mapped)
        if abs(mapped - q) <= 4 * EPS * q:  # as close as q can be told from q_map(q)
            return float(mapped)
        if (mapped > q) != up:  # passed the fixed point in one step: it lies in between
            return root(q, q - step)
        if abs(mapped - q) > 0.5 * abs(step) or not Q_ZERO < q < Q_INF:
            break
    ratio = 1.05
    while Q_ZERO < q < Q_INF:
        nxt = q * ratio if up else q / ratio
        mapped = qmap(nxt)
        if (mapped > nxt) != up or mapped == nxt:
            return root(q, nxt)
        q, ratio = nxt, 1 + (ratio - 1) * 1.1
    return float("inf") if up else 0.0


def chi1(activation, sigma_w, sigma_b=0.0):
    """chi_1 = sigma_w^2 E[phi'(h)^2], h ~ N(0, q*): the factor by which each layer of a deep, wide
    random network multiplies the mean squared gradient. For ReLU it is sigma_w^2 / 2 whatever q*; where
    q* is 0 or infinite, the limit of E[phi'(h)^2]: the mean of phi'(0-)^2 and phi'(0+)^2, or of
    phi'(-inf)^2 and phi'(+inf)^2.

    Accurate to 1e-8 relative for sigma_w <= 10, sigma_b <= 5 and every activation of ``vgrad.nn``
    (tested against an independent computation in 20-digit arithmetic), except where q* comes within
    about 1e-12 of Q_INF's or Q_ZERO's cut-offs. q* itself is ill-conditioned right at the critical line
    (its error grows like 1e-16 / |1 - slope of the map at q*|), chi_1 much less so."""
    _check_sigmas(sigma_w, sigma_b)
    act = _phi(activation)
    if _is(act, "relu"):
        return sigma_w**2 / 2.0
    q = q_star(act, sigma_w, sigma_b)
    if q == 0.0 or q == float("inf"):  # E[phi'(sqrt(q) z)^2] tends to the mean of phi'(-h)^2 and phi'(h)^2
        h = 1e-30 if q == 0.0 else 1e30  # (phi'(0)^2 where phi' is continuous at 0)
        return float(sigma_w**2 * np.mean(act.df(np.array([-h, h])) ** 2))
    return sigma_w**2 * gaussian_expectation(lambda h: act.df(h) ** 2, q)


def gain(activation):
    """1 / sqrt(E[phi(z)^2]) for z ~ N(0, 1): the weight scale (times 1/sqrt(fan_in)) that keeps the
    second moment of the signal at 1 from layer to layer, to first order. ReLU: sqrt(2).

    ``activation``: a name of ``vgrad.nn`` (or its ``Activation``), or the function phi itself, any
    callable on NumPy arrays such as ``functools.partial(leaky_relu, alpha=0.2)``, by adaptive
    quadrature (``gaussian_expectation``)."""
    phi = activation if callable(activation) else _phi(activation).f
    second_moment = gaussian_expectation(lambda h: phi(h) ** 2)
    if not second_moment > 0:
        raise InputError(f"E[phi(z)^2] is {second_moment}: no weight scale can keep the signal's size")
    return 1.0 / math.sqrt(second_moment)
