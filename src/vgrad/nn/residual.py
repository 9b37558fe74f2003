"""Residual networks: y = x + s * F(x), so that dy/dx = I + s * dF/dx.

A ``ResidualBlock`` here is the pre-activation form with one layer, F(x) = phi(x) W + b; with
``skip=False`` the same block is a plain layer, y = F(x), so plain and residual networks of the
same depth have identical parameters and initialisation.
"""
import numpy as np

from ..errors import InputError
from .activations import get_activation
from .layers import Dense


class ResidualBlock:
    """y = x + scale * (phi(x) W + b)   (or y = phi(x) W + b without the skip).

    x, y: (batch, width); W: (width, width); b: (width,). The parameters live in ``self.dense``.
    """

    def __init__(self, width, activation="relu", init="he_normal", scale=1.0, skip=True, rng=None, dtype=np.float64):
        self.act = get_activation(activation)
        self.dense = Dense(width, width, init=init, rng=rng, dtype=dtype)
        self.scale, self.skip = float(scale), bool(skip)
        self.cache = None

    def forward(self, x):
        """x: (batch, width) -> y: (batch, width), of the block's dtype."""
        x = np.asarray(x, dtype=self.dense.W.dtype)
        phi_x = self.act.f(x)
        branch = self.dense.forward(phi_x)
        self.cache = (x, phi_x)
        return x + self.scale * branch if self.skip else branch

    def backward(self, dy):
        """dy: (batch, width) -> dx: (batch, width); the Dense layer stores dW and db.

        dx = dy (the skip: never multiplied down) + (scale * dy) W^T * phi'(x) (the branch).
        """
        if self.cache is None:
            raise InputError("call forward before backward: the block has no cached input")
        x, phi_x = self.cache
        dy = np.asarray(dy, dtype=x.dtype)
        d_branch = self.dense.backward(self.scale * dy if self.skip else dy)
        d_branch *= self.act.grad(x, phi_x)
        return dy + d_branch if self.skip else d_branch


class ResidualMLP:
    """ResidualMLP(sizes_in, width, depth, out, ...): a Dense layer into ``width`` units, ``depth``
    residual blocks, and a Dense output layer read from phi(h).

    ``skip=False`` gives the plain network of the same shape. ``scale`` multiplies every branch
    (1, or 1/sqrt(depth), ...); ``zero_init=True`` starts each branch's weights at 0. Like ``MLP``:
    ``net.layers`` (the Dense layers, input side first), ``net.trainable``, ``forward``/``backward``,
    and after a pass ``pre_activations`` (the h that enter phi), ``activations`` (phi(h)) and
    ``deltas`` (dLoss/dh, then dLoss/dout), for diagnostics.
    """

    norms = ()

    def __init__(self, n_in, width, depth, n_out, activation="relu", init="he_normal", scale=1.0, skip=True,
                 zero_init=False, seed=0, dtype=np.float64):
        if not all(isinstance(v, (int, np.integer)) and v > 0 for v in (n_in, width, n_out)) or depth < 0:
            raise InputError("n_in, width and n_out must be positive integers and depth >= 0")
        rng = np.random.default_rng(seed)
        self.act = get_activation(activation)
        self.first = Dense(n_in, width, init=init, rng=rng, dtype=dtype)
        self.blocks = [ResidualBlock(width, activation, init, scale, skip, rng, dtype) for _ in range(depth)]
        if zero_init:
            for block in self.blocks:
                block.dense.W[:] = 0.0
        self.last = Dense(width, n_out, init=init, rng=rng, dtype=dtype)
        self.sizes = [n_in] + [width] * (depth + 1) + [n_out]
        self.pre_activations, self.activations, self.deltas = [], [], []

    @property
    def activation(self):
        return self.act.name

    @property
    def layers(self):
        return [self.first] + [b.dense for b in self.blocks] + [self.last]

    @property
    def trainable(self):
        return self.layers

    def forward(self, x):
        """x: (batch, n_in) -> (batch, n_out)."""
        h = self.first.forward(np.asarray(x))
        self.pre_activations = [h]
        for block in self.blocks:
            h = block.forward(h)
            self.pre_activations.append(h)
        self.activations = [self.act.f(a) for a in self.pre_activations]
        return self.last.forward(self.activations[-1])

    def backward(self, dout):
        """dout: (batch, n_out) -> dx: (batch, n_in); every Dense layer stores dW, db."""
        dh = self.last.backward(dout) * self.act.grad(self.pre_activations[-1], self.activations[-1])
        deltas = [dh]
        for block in reversed(self.blocks):
            dh = block.backward(dh)
            deltas.append(dh)
        self.deltas = deltas[::-1] + [np.asarray(dout)]
        return self.first.backward(dh)

    def __call__(self, x):
        return self.forward(x)
