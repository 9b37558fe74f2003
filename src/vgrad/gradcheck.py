"""Finite-difference gradient checking: the test every backward pass in this course must pass.

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)      error O(eps^2)

Use float64: with eps = 1e-6 the central difference agrees with a correct analytic
gradient to about 1e-8 relative error, and a wrong one is off by far more.
"""
import numpy as np

from .errors import InputError


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of the scalar ``f()`` with respect to the array ``x``, by central differences.

    ``f`` takes no arguments and reads ``x``; each entry of ``x`` is nudged in place and restored.
    """
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise InputError("x must be a floating numpy array, changed in place while f() reads it")
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = float(f())
        x[i] = old - eps
        f_minus = float(f())
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|): 0 when equal, 1 when unrelated; safe when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise InputError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    scale = np.max(np.abs(a) + np.abs(b), initial=0.0)
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def check_gradient(f, x, analytic, eps=1e-6):
    """Relative error between ``analytic`` and the numerical gradient of ``f()`` w.r.t. ``x``."""
    return relative_error(analytic, numerical_gradient(f, x, eps))
