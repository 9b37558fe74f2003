"""Activation functions, each a pair: the function and its derivative.

Every derivative is taken with respect to the pre-activation ``a`` and returned
elementwise, so backpropagation through an activation is ``da = dh * df(a)``.

All functions accept any array shape, keep the input's floating dtype, and are
numerically stable: finite results and no overflow warnings at +-1000. Functions
and derivatives are written so that their tiny tail values stay accurate to a few
units in the last place (for example sigmoid'(40) = 4.2e-18, not 0, and
gelu(-10) = -7.6e-23, not -0.0) — this course is about tiny numbers.

Backpropagation through a layer that has just computed h = f(a) can get f'(a)
more cheaply from h: ``Activation.grad(a, h)``, for example 1 - h^2 for tanh.
Where that formula would lose accuracy (1 - h^2 where h^2 is close to 1), it
falls back to the exact ``df(a)``: the same values to within 64 units in the last
place (2e-14 relative in float64), at a fraction of the cost.
"""
import math
from functools import lru_cache
from typing import Callable, NamedTuple, Optional

import numpy as np
from scipy.special import ndtr

from ..errors import InputError


def _float(x):
    """``x`` as a floating array (integers become float64; float16/32/64 are kept)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def sigmoid(a, out=None):
    """sigma(a) = 1 / (1 + e^-a). Where e^-a overflows (a < -710 in float64) the result is 1 / inf = 0:
    the overflow is expected and not reported. ``out``: an array of a's shape and dtype to write the
    result into (``a`` itself computes in place)."""
    a = _float(a)
    e = np.negative(a, out=np.empty_like(a) if out is None else out)  # an array even for a single number
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)


def sigmoid_grad(a):
    """sigma'(a) = sigma(a)(1 - sigma(a)) = e^-|a| / (1 + e^-|a|)^2. Maximum 1/4 at a = 0."""
    a = _float(a)
    z = np.exp(-np.abs(a))
    return z / (1 + z) ** 2


#: Below this, h (1 - h) and 1 - h^2 may have lost more than 64 units in the last place to cancellation.
_TAIL = 1.0 / 64


def _refine(d, a, df):
    """d, a cheap derivative, with the entries below _TAIL recomputed exactly by df from a (all of them for a
    single number, and in float16, where 64 units in the last place are 6 %)."""
    if not isinstance(d, np.ndarray) or d.dtype == np.float16:
        return df(a)
    if d.size and np.minimum.reduce(d, axis=None) < _TAIL:  # one pass, no temporary: usually nothing to do
        tail = d < _TAIL
        d[tail] = df(np.asarray(a)[tail])
    return d


def sigmoid_grad_from(a, h):
    """sigma'(a) from h = sigma(a): h (1 - h), exact in the tails."""
    d = 1 - h
    d *= h  # in place: one temporary, not two (fresh large arrays are slow to get from the system)
    return _refine(d, a, sigmoid_grad)


def tanh(a):
    """tanh(a), in (-1, 1)."""
    return np.tanh(_float(a))


def tanh_grad(a):
    """tanh'(a) = 1 - tanh(a)^2 = 4 e^-2|a| / (1 + e^-2|a|)^2. Maximum 1 at a = 0."""
    a = _float(a)
    z = np.exp(-2 * np.abs(a))
    return 4 * z / (1 + z) ** 2


def tanh_grad_from(a, h):
    """tanh'(a) from h = tanh(a): 1 - h^2, exact in the tails."""
    d = h * h
    d = np.subtract(1, d, out=d) if isinstance(d, np.ndarray) else 1 - d
    return _refine(d, a, tanh_grad)


def relu(a):
    """max(0, a)."""
    return np.maximum(_float(a), 0)


def relu_grad(a):
    """1 where a > 0, else 0 (the value 0 is taken at a = 0)."""
    a = _float(a)
    return (a > 0).astype(a.dtype)


def leaky_relu(a, alpha=0.01):
    """a where a > 0, else alpha * a: a small slope keeps every unit passing some gradient."""
    a = _float(a)
    return np.where(a > 0, a, alpha * a).astype(a.dtype, copy=False)


def leaky_relu_grad(a, alpha=0.01):
    """1 where a > 0, else alpha."""
    a = _float(a)
    return np.where(a > 0, 1.0, alpha).astype(a.dtype, copy=False)


def elu(a, alpha=1.0):
    """a where a > 0, else alpha (e^a - 1) (Clevert et al. 2016). expm1 keeps small |a| accurate;
    the exponential only ever sees a <= 0, so it cannot overflow."""
    a = _float(a)
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))).astype(a.dtype, copy=False)


def elu_grad(a, alpha=1.0):
    """1 where a > 0, else alpha e^a."""
    a = _float(a)
    return np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0))).astype(a.dtype, copy=False)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def gelu(a):
    """a * Phi(a), Phi the standard normal distribution function (Hendrycks & Gimpel 2016), exact:
    ``scipy.special.ndtr`` keeps Phi accurate far into its lower tail (gelu(-10) = -7.6e-23)."""
    a = _float(a)
    x = _at_least_32(a)
    return (x * ndtr(x)).astype(a.dtype, copy=False)


def gelu_grad(a):
    """Phi(a) + a phi(a), phi the standard normal density."""
    a = _float(a)
    x = _at_least_32(a)
    with np.errstate(over="ignore"):  # x * x = inf: the density is 0 there
        return (ndtr(x) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI).astype(a.dtype, copy=False)


def gelu_grad_from(a, h):
    """gelu'(a) from h = gelu(a) = a Phi(a): Phi(a) = h / a, so only the density is computed afresh; exact
    where h / a is not (a = 0, h too small to be a normal number) and in float16."""
    a = _float(a)
    if not isinstance(h, np.ndarray) or a.dtype == np.float16 or h.shape != a.shape:
        return gelu_grad(a)
    unsafe = np.abs(h) < np.finfo(a.dtype).tiny
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = a * a
        d *= -0.5
        np.exp(d, out=d)
        d *= a
        d *= _INV_SQRT_2PI
        d += h / a
    if unsafe.any():
        d[unsafe] = gelu_grad(a[unsafe])
    return d


def _at_least_32(a):
    """float16 computed in float32: a^2 and a^3 overflow float16 from a = 256 and 41."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _gelu_tanh_u(x):
    return _SQRT_2_OVER_PI * (x + 0.044715 * x**3)


def gelu_tanh(a):
    """The tanh approximation of GELU, 0.5 a (1 + tanh(u)) with u = sqrt(2/pi) (a + 0.044715 a^3),
    computed as a sigma(2u) (the same, since 1 + tanh(u) = 2 sigma(2u)) so that the lower tail keeps
    its digits instead of cancelling to -0.0."""
    a = _float(a)
    x = _at_least_32(a)
    with np.errstate(over="ignore"):
        return (x * sigmoid(2 * _gelu_tanh_u(x))).astype(a.dtype, copy=False)


def gelu_tanh_grad(a):
    """Derivative of the tanh approximation: sigma(2u) + 2 a sigma'(2u) u'(a)."""
    a = _float(a)
    x = _at_least_32(a)
    with np.errstate(over="ignore"):
        u2 = 2 * _gelu_tanh_u(x)
    du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return (sigmoid(u2) + 2 * x * sigmoid_grad(u2) * du).astype(a.dtype, copy=False)


def linear(a):
    """The identity: the output layer of a regression network."""
    return _float(a)


def linear_grad(a):
    """1 everywhere."""
    return np.ones_like(_float(a))


class Activation(NamedTuple):
    """An activation: its name, the function f, its derivative df(a), and optionally df_from(a, h),
    the derivative when h = f(a) is already at hand (cheaper; the same values)."""

    name: str
    f: Callable
    df: Callable
    df_from: Optional[Callable] = None

    def grad(self, a, h):
        """f'(a), given h = f(a): df_from(a, h) where the activation has one, else df(a)."""
        return self.df(a) if self.df_from is None else self.df_from(a, h)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad, sigmoid_grad_from),
    "tanh": Activation("tanh", tanh, tanh_grad, tanh_grad_from),
    "relu": Activation("relu", relu, relu_grad),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_grad),
    "elu": Activation("elu", elu, elu_grad),
    "gelu": Activation("gelu", gelu, gelu_grad, gelu_grad_from),
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
