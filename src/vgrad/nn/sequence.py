"""A sequence classifier: a recurrent layer read out at its last step, logits = h_T W + b.

x: (batch, T, D) -> logits: (batch, classes). The loss sees only h_T, so every gradient that reaches an
earlier step got there through time — the setting of notebooks 07 and 08.
"""
import numpy as np

from ..errors import InputError
from .layers import Dense
from .recurrent import GRU, LSTM, RNN

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class SequenceClassifier:
    """``cell`` is "rnn", "lstm" or "gru"; ``cell_options`` go to its constructor (e.g. forget_bias); the cell
    and the read-out hold ``dtype``."""

    def __init__(self, cell, input_size, hidden_size, classes, seed=0, dtype=np.float64, **cell_options):
        if cell not in CELLS:
            raise InputError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
        self.kind = cell
        self.cell = CELLS[cell](input_size, hidden_size, seed=seed, dtype=dtype, **cell_options)
        self.readout = Dense(hidden_size, classes, rng=np.random.default_rng(seed + 1), dtype=dtype)

    @property
    def trainable(self):
        return [self.cell, self.readout]

    def forward(self, x):
        """x: (batch, T, D) -> logits: (batch, classes), from the last hidden state."""
        self.h = self.cell.forward(x)
        return self.readout.forward(self.h[:, -1])

    def backward(self, dlogits):
        """dlogits: (batch, classes) -> dx: (batch, T, D); the gradient enters at h_T only."""
        dh = np.zeros_like(self.h)
        dh[:, -1] = self.readout.backward(dlogits)
        return self.cell.backward(dh)

    def _grad_slots(self):
        return [(layer, "d" + p) for layer in self.trainable for p in layer.params]

    def grads(self):
        """Every parameter gradient, cell first, in the order of ``params``."""
        return [getattr(layer, name) for layer, name in self._grad_slots()]

    def set_grads(self, grads):
        """Replace the gradients, in the order of ``grads()`` (after clipping, say)."""
        for (layer, name), g in zip(self._grad_slots(), grads, strict=True):
            setattr(layer, name, g)

    def __repr__(self):
        H = self.readout.fan_in
        return f"SequenceClassifier({self.kind}, hidden {H}, {self.readout.fan_out} classes)"
