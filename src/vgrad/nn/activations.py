"""Activation functions, each a pair: the function and its derivative.

Every derivative is taken with respect to the pre-activation ``a`` and returned
elementwise, so backpropagation through an activation is ``da = dh * df(a)``.

All functions accept any array shape, keep the input's floating dtype, and are
numerically stable: finite results and no overflow warnings at +-1000. The
derivatives are written so that their tiny tail values stay accurate (for
example sigmoid'(40) = 4.2e-18, not 0) — this course is about tiny numbers.
"""
import math
from functools import lru_cache
from typing import Callable, NamedTuple

import numpy as np

from ..errors import InputError


def _float(x):
    """``x`` as a floating array (integers become float64; float16/32/64 are kept)."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def sigmoid(a):
    """sigma(a) = 1 / (1 + e^-a), computed from e^-|a| so it never overflows."""
    a = _float(a)
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(a.dtype)


def sigmoid_grad(a):
    """sigma'(a) = sigma(a)(1 - sigma(a)) = e^-|a| / (1 + e^-|a|)^2. Maximum 1/4 at a = 0."""
    a = _float(a)
    z = np.exp(-np.abs(a))
    return (z / (1.0 + z) ** 2).astype(a.dtype)


def tanh(a):
    """tanh(a), in (-1, 1)."""
    return np.tanh(_float(a))


def tanh_grad(a):
    """tanh'(a) = 1 - tanh(a)^2 = 4 e^-2|a| / (1 + e^-2|a|)^2. Maximum 1 at a = 0."""
    a = _float(a)
    z = np.exp(-2.0 * np.abs(a))
    return (4.0 * z / (1.0 + z) ** 2).astype(a.dtype)


def relu(a):
    """max(0, a)."""
    a = _float(a)
    return np.maximum(a, 0).astype(a.dtype)


def relu_grad(a):
    """1 where a > 0, else 0 (the value 0 is taken at a = 0)."""
    a = _float(a)
    return (a > 0).astype(a.dtype)


def leaky_relu(a, alpha=0.01):
    """a where a > 0, else alpha * a: a small slope keeps every unit passing some gradient."""
    a = _float(a)
    return np.where(a > 0, a, alpha * a).astype(a.dtype)


def leaky_relu_grad(a, alpha=0.01):
    """1 where a > 0, else alpha."""
    a = _float(a)
    return np.where(a > 0, 1.0, alpha).astype(a.dtype)


def elu(a, alpha=1.0):
    """a where a > 0, else alpha (e^a - 1) (Clevert et al. 2016). expm1 keeps small |a| accurate;
    the exponential only ever sees a <= 0, so it cannot overflow."""
    a = _float(a)
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))).astype(a.dtype)


def elu_grad(a, alpha=1.0):
    """1 where a > 0, else alpha e^a."""
    a = _float(a)
    return np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0))).astype(a.dtype)


_erf = np.vectorize(math.erf, otypes=[np.float64])
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(a):
    """a * Phi(a), Phi the standard normal distribution function, exact via erf
    (Hendrycks & Gimpel 2016)."""
    a = _float(a)
    return (a * 0.5 * (1.0 + _erf(a / math.sqrt(2.0)))).astype(a.dtype)


def gelu_grad(a):
    """Phi(a) + a phi(a), phi the standard normal density."""
    a = _float(a)
    x = a.astype(np.float64)
    return (0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)).astype(a.dtype)


def gelu_tanh(a):
    """The tanh approximation of GELU: 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))."""
    a = _float(a)
    x = a.astype(np.float64)
    return (0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))).astype(a.dtype)


def gelu_tanh_grad(a):
    """Derivative of the tanh approximation."""
    a = _float(a)
    x = a.astype(np.float64)
    t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    dt = (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
    return (0.5 * (1.0 + t) + 0.5 * x * dt).astype(a.dtype)


def linear(a):
    """The identity: the output layer of a regression network."""
    return _float(a)


def linear_grad(a):
    """1 everywhere."""
    return np.ones_like(_float(a))


class Activation(NamedTuple):
    name: str
    f: Callable
    df: Callable


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad),
    "tanh": Activation("tanh", tanh, tanh_grad),
    "relu": Activation("relu", relu, relu_grad),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_grad),
    "elu": Activation("elu", elu, elu_grad),
    "gelu": Activation("gelu", gelu, gelu_grad),
    "gelu_tanh": Activation("gelu_tanh", gelu_tanh, gelu_tanh_grad),
    "linear": Activation("linear", linear, linear_grad),
}


def get_activation(name):
    """The ``Activation`` (name, f, df) called ``name``; a clear ``ValueError`` for an unknown name."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise InputError(
            f"unknown activation {name!r}; choose one of: {', '.join(sorted(ACTIVATIONS))}"
        ) from None


@lru_cache(maxsize=None)
def max_derivative(act):
    """gamma = max |phi'(a)| over a in [-10, 10] (on a grid of 0.001): 1/4 for the sigmoid, 1 for tanh and ReLU."""
    return float(np.abs(act.df(np.linspace(-10, 10, 20001))).max())
