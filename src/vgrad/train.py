"""A plain training loop: minibatch gradient descent on an ``MLP``, with diagnostics recorded."""
import numpy as np

from .diagnostics import Recorder, _loss_fn
from .errors import InputError
from .nn.optim import SGD


def accuracy(net, x, y):
    """Fraction of rows of x whose largest output is at the label y."""
    return float(np.mean(np.argmax(net.forward(x), axis=1) == y))


def train(net, x, y, loss="cross_entropy", optimizer=None, steps=300, batch_size=64, seed=0,
          record_every=10):
    """Train ``net`` in place for ``steps`` minibatch steps; return the ``History`` of diagnostics.

    Minibatches are drawn from a generator seeded by ``seed``. Training stops at the first step
    whose loss or gradients are not finite (NaN or inf); ``history.diverged_at`` then says which.
    """
    loss_fn = _loss_fn(loss)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise InputError(f"x and y must have the same number of rows; got {len(x)} and {len(y)}")
    optimizer = optimizer or SGD(lr=0.1)
    recorder = Recorder(net, every=record_every)
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            batch = rng.choice(len(x), size=min(batch_size, len(x)), replace=False)
            value, dout = loss_fn(net.forward(x[batch]), y[batch])
            net.backward(dout)
            recorder.before_update(step, value)
            if not (np.isfinite(value) and np.all(np.isfinite(recorder.history.grad_norms[-1]))):
                recorder.history.diverged_at = step
                break
            optimizer.step(net.trainable)
            recorder.after_update()
    return recorder.history
