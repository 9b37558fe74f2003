"""A multilayer perceptron: Dense layers with an activation between them.

    h_0 = x
    a_l = h_{l-1} W_l + b_l        (l = 1 .. L)
    h_l = f(a_l)                   (l < L; the last layer is linear: h_L = a_L)

Backward walks the same list in reverse:

    da_L = dout
    dh_{l-1} = da_l W_l^T          (Dense.backward, which also sets dW_l, db_l)
    da_{l-1} = dh_{l-1} * f'(a_{l-1})
"""
import numpy as np

from ..errors import InputError
from .activations import get_activation
from .init import float_dtype
from .layers import Dense
from .norm import NORMS


class MLP:
    """MLP(sizes, activation="sigmoid", init="xavier_normal", seed=0, dtype=float64, norm=None).

    sizes: [in, h1, ..., out]. ``net.layers`` lists the Dense layers input side first.
    After ``forward``, ``net.pre_activations[l]`` and ``net.activations[l]`` hold a_l and
    h_l of hidden layer l (l = 0 .. L-2); after ``backward``, ``net.deltas[l]`` holds
    dLoss/da_l of layer l (l = 0 .. L-1, the last one being the output): the backpropagated
    signal, for diagnostics.

    Every layer holds ``dtype``; an input of another type is cast to it (see ``vgrad.nn.layers``).

    ``norm``: None, "batch" or "layer" — a BatchNorm or LayerNorm between each hidden Dense layer
    and its activation (``net.norms``). ``net.trainable`` lists every layer with parameters, for
    optimisers; ``net.training = False`` switches the norms to evaluation mode.
    """

    def __init__(self, sizes, activation="sigmoid", init="xavier_normal", seed=0, dtype=np.float64, norm=None):
        sizes = list(sizes) if not isinstance(sizes, (str, bytes)) and np.iterable(sizes) else None
        if (
            sizes is None
            or len(sizes) < 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes)
        ):
            raise InputError(
                "sizes must be a list of at least two positive integers [in, h1, ..., out]"
            )
        self.sizes = [int(s) for s in sizes]
        self.act = get_activation(activation)
        self.dtype = float_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.layers = [
            Dense(n_in, n_out, init=init, rng=rng, dtype=self.dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])
        ]
        if norm is not None and norm not in NORMS:
            raise InputError(f"unknown norm {norm!r}; choose None or one of: {', '.join(NORMS)}")
        self.norm = norm
        self.norms = [NORMS[norm](n, dtype=self.dtype) for n in self.sizes[1:-1]] if norm else []
        self.pre_activations = []
        self.activations = []
        self.deltas = []

    @property
    def trainable(self):
        """Every layer with parameters: the Dense layers, then the norms."""
        return self.layers + self.norms

    @property
    def training(self):
        return all(n.training for n in self.norms)

    @training.setter
    def training(self, mode):
        for n in self.norms:
            n.training = bool(mode)

    @property
    def activation(self):
        return self.act.name

    def forward(self, x):
        """x: (batch, sizes[0]) -> output: (batch, sizes[-1])."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise InputError(f"MLP expects input of shape (batch, {self.sizes[0]}); got {x.shape}")
        self.pre_activations, self.activations = [], []
        h = x
        for i, layer in enumerate(self.layers[:-1]):
            a = layer.forward(h)
            if self.norms:
                a = self.norms[i].forward(a)
            h = self.act.f(a)
            self.pre_activations.append(a)
            self.activations.append(h)
        return self.layers[-1].forward(h)

    def backward(self, dout):
        """dout: (batch, sizes[-1]), the loss gradient w.r.t. the output -> dx: (batch, sizes[0]).

        Sets dW and db of every layer.
        """
        deltas = [np.asarray(dout, dtype=self.dtype)]
        grad = self.layers[-1].backward(deltas[0])
        for i in range(len(self.layers) - 2, -1, -1):
            grad *= self.act.grad(self.pre_activations[i], self.activations[i])
            deltas.append(grad)
            if self.norms:
                grad = self.norms[i].backward(grad)
            grad = self.layers[i].backward(grad)
        self.deltas = deltas[::-1]
        return grad

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        norm = f", norm={self.norm!r}" if self.norm else ""
        return f"MLP({self.sizes}, activation={self.activation!r}{norm})"
