"""Layers with an explicit forward and backward pass.

A layer's ``forward`` keeps in ``self.cache`` what its ``backward`` needs;
``backward(dout)`` takes the gradient of the loss with respect to the layer's
output, stores the gradients of its parameters (``dW``, ``db``) and returns the
gradient with respect to its input.

Every layer keeps the dtype it was built with: its parameters, gradients and outputs are of that
dtype, and an input of another floating type is cast to it (a float64 batch fed to a float32
network is computed in float32).
"""
import numpy as np

from ..errors import InputError
from .init import float_dtype, init_weights

#: The generator of layers built without one: seeded once, when vgrad is imported, so that layers
#: built one after another get different weights and a script gets the same ones every run.
shared_rng = np.random.default_rng(0)


class Dense:
    """A fully connected layer, y = x W + b.

    W: (fan_in, fan_out)   b: (fan_out,)   x: (batch, fan_in)   y: (batch, fan_out)

    ``rng``: the ``np.random.Generator`` to draw W from; without one, the module's ``shared_rng``
    (so two layers built without a generator differ; pass one to make a layer's weights independent
    of what was built before it).
    """

    params = ("W", "b")

    def __init__(self, fan_in, fan_out, init="xavier_normal", rng=None, dtype=np.float64):
        dtype = float_dtype(dtype)
        self.W = init_weights(init, fan_in, fan_out, shared_rng if rng is None else rng, dtype)
        self.b = np.zeros(fan_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.cache = None

    @property
    def fan_in(self):
        return self.W.shape[0]

    @property
    def fan_out(self):
        return self.W.shape[1]

    def forward(self, x):
        """x: (batch, fan_in) -> y: (batch, fan_out)."""
        W = self.W
        x = np.asarray(x, dtype=W.dtype)
        if x.ndim != 2 or x.shape[1] != W.shape[0]:
            raise InputError(
                f"Dense layer expects input of shape (batch, {self.fan_in}); got {x.shape}"
            )
        self.cache = x
        y = x @ W
        y += self.b
        return y

    def backward(self, dout):
        """dout: (batch, fan_out) -> dx: (batch, fan_in); sets dW = x^T dout and db = sum of dout."""
        if self.cache is None:
            raise InputError("call forward before backward: the layer has no cached input")
        x, W = self.cache, self.W
        dout = np.asarray(dout, dtype=W.dtype)
        if dout.shape != (x.shape[0], W.shape[1]):
            raise InputError(
                f"Dense layer expects an output gradient of shape {(x.shape[0], self.fan_out)}; "
                f"got {dout.shape}"
            )
        self.dW = x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ W.T

    def __repr__(self):
        return f"Dense({self.fan_in} -> {self.fan_out})"
