"""A chain of scalar units: the smallest deep network, and the one where backprop is plainest.

    h_0 = x0,   a_k = w h_{k-1} + b_k,   h_k = f(a_k)       (k = 1 .. n)

By the chain rule the gradient of the last output with respect to unit k is a product
of local derivatives, one per link above it:

    dh_n/dh_k = prod_{j=k+1..n}  w * f'(a_j)
"""
import numpy as np

from .errors import InputError
from .nn.activations import get_activation


def chain_forward(x0, weights, biases, activation="sigmoid", dtype=np.float64):
    """Run the chain. weights, biases: (n,) -> pre-activations a: (n,), outputs h: (n+1,), h[0] = x0."""
    act = get_activation(activation)
    weights = np.asarray(weights, dtype=dtype)
    biases = np.asarray(biases, dtype=dtype)
    if weights.shape != biases.shape or weights.ndim != 1:
        raise InputError(f"weights and biases must be 1-D of equal length; got {weights.shape}, {biases.shape}")
    a = np.zeros(len(weights), dtype=dtype)
    h = np.zeros(len(weights) + 1, dtype=dtype)
    h[0] = x0
    for k in range(len(weights)):
        a[k] = weights[k] * h[k] + biases[k]
        h[k + 1] = act.f(a[k])
    return a, h


def chain_backward(weights, pre_activations, activation="sigmoid", dtype=np.float64):
    """Backward through the chain: g[k] = dh_n/dh_k for k = 0 .. n (so g[n] = 1).

    weights, pre_activations: (n,) -> g: (n+1,), every product carried out in ``dtype``.
    """
    act = get_activation(activation)
    weights = np.asarray(weights, dtype=dtype)
    local = weights * act.df(np.asarray(pre_activations, dtype=dtype))  # dh_k/dh_{k-1}
    g = np.zeros(len(weights) + 1, dtype=dtype)
    g[-1] = 1
    for k in range(len(weights) - 1, -1, -1):
        g[k] = g[k + 1] * local[k]
    return g


def chain_gradients(depth, weight=1.0, activation="sigmoid", bias_std=1.0, x0=0.5, seed=0, dtype=np.float64):
    """|dh_n/dh_k| for k = 0 .. depth, for a chain with constant weight and N(0, bias_std^2) biases.

    Returns an array of length depth + 1; entry k is the gradient magnitude that reaches unit k
    (entry 0 is the input, entry ``depth`` is the output itself, 1).
    """
    if not (isinstance(depth, (int, np.integer)) and depth >= 1):
        raise InputError(f"depth must be a positive integer; got {depth!r}")
    rng = np.random.default_rng(seed)
    biases = rng.normal(0.0, bias_std, size=depth)
    weights = np.full(depth, weight, dtype=np.float64)
    a, _ = chain_forward(x0, weights, biases, activation)
    return np.abs(chain_backward(weights, a, activation, dtype=dtype))
