"""Closed forms and predictions, computed rather than quoted."""
import math

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
    take 1.0 to exactly 0 — the depth at which a gradient of that size is lost entirely."""
    dtype = np.dtype(dtype)
    one = dtype.type(1.0)
    f = dtype.type(factor)
    if not 0 < f < one:
        raise InputError(f"factor must be in (0, 1) in {dtype.name}; got {factor}")
    g, n = one, 0
    while g > 0:
        g = dtype.type(g * f)
        n += 1
    return n


def subnormal_depth(factor, dtype):
    """How many multiplications by ``factor`` take 1.0 below the smallest normal number of
    ``dtype`` — from there on the gradient keeps fewer and fewer significant bits."""
    dtype = np.dtype(dtype)
    tiny = np.finfo(dtype).tiny
    g, n = dtype.type(1.0), 0
    while g >= tiny:
        g = dtype.type(g * dtype.type(factor))
        n += 1
    return n


def message_strength(keep, people):
    """The whispered message: what is left after each of ``people`` listeners passes on a fraction
    ``keep`` of what they heard. Entry k is keep**k (k = 0 .. people)."""
    if not (isinstance(people, (int, np.integer)) and people >= 0):
        raise InputError(f"people must be a whole number >= 0; got {people!r}")
    return float(keep) ** np.arange(people + 1, dtype=np.float64)
