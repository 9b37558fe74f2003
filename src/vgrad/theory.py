"""Closed forms and predictions, computed rather than quoted."""
import math
from functools import lru_cache

import numpy as np

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
    steps = math.log(tiny) / math.log(f)
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

#: Gauss-Hermite nodes: enough for 1e-4 relative accuracy of chi_1 for tanh up to sigma_w = 3,
#: sigma_b = 1, where the integrand sech^4(sqrt(q*) z) is sharpest: 201 nodes are off by 1.8e-4
#: there, 400 by far less (tested against adaptive quadrature).
QUADRATURE_NODES = 400


@lru_cache(maxsize=8)
def hermite_rule(nodes):
    """Nodes and weights of Gauss-Hermite quadrature for the weight e^{-z^2/2}, by Golub-Welsch: the
    eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials (stable for hundreds
    of nodes, where NumPy's hermegauss overflows)."""
    k = np.sqrt(np.arange(1, nodes))
    z, vectors = np.linalg.eigh(np.diag(k, 1) + np.diag(k, -1))
    return z, np.sqrt(2 * np.pi) * vectors[0] ** 2


def gaussian_expectation(f, variance=1.0, nodes=QUADRATURE_NODES):
    """E[f(h)] for h ~ N(0, variance), by Gauss-Hermite quadrature."""
    z, w = hermite_rule(nodes)
    return float(np.sum(w * f(np.sqrt(variance) * z)) / np.sqrt(2 * np.pi))


def _phi(activation):
    from .nn.activations import get_activation  # theory is also used where nn is not needed

    return get_activation(activation)


def q_map(q, activation, sigma_w, sigma_b=0.0):
    """One layer of the variance map: q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2."""
    act = _phi(activation)
    return sigma_w**2 * gaussian_expectation(lambda h: act.f(h) ** 2, q) + sigma_b**2


def q_star(activation, sigma_w, sigma_b=0.0, q0=1.0, tol=1e-13, max_iter=10_000):
    """The fixed point of the variance map, by iteration from q0 (0 when it collapses to 0)."""
    if sigma_w < 0 or sigma_b < 0:
        raise InputError(f"sigma_w and sigma_b are standard deviations (>= 0); got {sigma_w}, {sigma_b}")
    if activation == "tanh" and sigma_b == 0 and sigma_w <= 1:
        return 0.0  # tanh(h)^2 < h^2, so q -> sigma_w^2 E[tanh^2] < q, down to 0 (slowly at sigma_w = 1)
    q = q0
    for _ in range(max_iter):
        new = q_map(q, activation, sigma_w, sigma_b)
        if not np.isfinite(new) or new > 1e12:
            return float("inf")  # grows without bound (e.g. ReLU with sigma_w^2 > 2)
        if abs(new - q) <= tol * max(q, 1e-300) or new < 1e-300:
            return float(new)
        q = new
    return float(q)


def chi1(activation, sigma_w, sigma_b=0.0):
    """chi_1 = sigma_w^2 E[phi'(h)^2], h ~ N(0, q*): the factor by which each layer of a deep, wide
    random network multiplies the mean squared gradient. For ReLU it is sigma_w^2 / 2 whatever q*."""
    act = _phi(activation)
    if activation == "relu":
        return sigma_w**2 / 2.0
    q = q_star(activation, sigma_w, sigma_b)
    if q == 0.0:
        return float(sigma_w**2 * act.df(np.array(0.0)) ** 2)
    return sigma_w**2 * gaussian_expectation(lambda h: act.df(h) ** 2, q)


def gain(activation):
    """1 / sqrt(E[phi(z)^2]) for z ~ N(0, 1): the weight scale (times 1/sqrt(fan_in)) that keeps the
    second moment of the signal at 1 from layer to layer, to first order. ReLU: sqrt(2).

    ``activation``: a name of ``vgrad.nn`` (or its ``Activation``), or the function phi itself, any
    callable on NumPy arrays such as ``functools.partial(leaky_relu, alpha=0.2)``. Gauss-Hermite
    quadrature: exact to rounding for ReLU and leaky ReLU; within 1e-5 relative for ELU with alpha up
    to 3, whose kink at 0 a polynomial rule does not follow."""
    phi = activation if callable(activation) else _phi(activation).f
    return 1.0 / np.sqrt(gaussian_expectation(lambda h: phi(h) ** 2))
