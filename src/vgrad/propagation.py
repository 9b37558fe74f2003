"""Signal propagation through a deep random network, measured: the experiment behind mean-field
theory (``vgrad.theory.q_star``, ``chi1``) and behind Xavier and He initialisation.

A network of ``depth`` square layers of ``width`` units, weights N(0, sigma_w^2 / width), biases
N(0, sigma_b^2), on a batch of random inputs; one forward pass and one backward pass of a random
output gradient. Per layer: the variance of the pre-activations (q_l) and the mean squared
backpropagated gradient dLoss/da_l.
"""
import numpy as np

from .nn import MLP


def simulate(activation, sigma_w, sigma_b=0.0, depth=50, width=256, batch=64, seed=0):
    """-> (q, g): q[l] = variance of layer l's pre-activations, g[l] = mean square of dLoss/da_l,
    for l = 0 .. depth-1 (input side first)."""
    rng = np.random.default_rng(seed)
    net = MLP([width] * (depth + 1), activation=activation, init=sigma_w / np.sqrt(width), seed=seed)
    for layer in net.layers:
        layer.b[:] = rng.normal(0.0, sigma_b, size=layer.b.shape)
    net.forward(rng.normal(size=(batch, width)))
    net.backward(rng.normal(size=(batch, width)))
    q = np.array([a.var() for a in net.pre_activations])
    g = np.array([np.mean(d**2) for d in net.deltas[:-1]])
    return q, g


def gradient_growth(g, skip=10):
    """The measured per-layer factor of the mean squared gradient: the geometric mean of
    g[l] / g[l+1] over the layers after the first ``skip`` (where q has settled), input side."""
    ratios = g[:-1] / g[1:]
    ratios = ratios[skip:] if len(ratios) > skip else ratios
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    return float(np.exp(np.mean(np.log(ratios)))) if len(ratios) else float("nan")
