"""Training loops: ``train`` (an ``MLP``, with diagnostics recorded) and ``train_sequence`` (a recurrent
``SequenceClassifier`` on fresh batches of a task, with optional gradient clipping); ``digits_run``, ``fit_digits``
and ``flag_recall_run``, whole experiments in one call (what ``vgrad.parallel.run_all`` needs to repeat them over
seeds)."""
import functools
from dataclasses import dataclass, field

import numpy as np

from . import data
from .diagnostics import Recorder, _loss_fn
from .errors import InputError
from .nn.losses import softmax_cross_entropy
from .nn.mlp import MLP
from .nn.optim import SGD, Adam
from .nn.recurrent import clip_by_norm, global_norm
from .nn.sequence import SequenceClassifier


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


@dataclass
class SequenceHistory:
    """Per step of ``train_sequence``: loss, batch accuracy, global gradient norm before clipping."""
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    clip: float = None
    diverged_at: int = None  # the step whose loss or gradient was not finite, if any

    @property
    def steps(self):
        return len(self.loss)

    @property
    def clipped_fraction(self):
        """Fraction of steps at which clipping scaled the gradient down."""
        if self.clip is None or not self.grad_norm:
            return 0.0
        return float(np.mean(np.array(self.grad_norm) > self.clip))


def train_sequence(model, task, steps=400, optimizer=None, clip=None, batch_size=64, seed=0,
                   stop_at=None, window=10):
    """Train a ``SequenceClassifier`` on fresh batches ``task(batch_size, seed=...)`` -> (x, y).

    ``clip`` rescales the gradients to global norm ``clip`` when they are longer (clip-by-norm).
    Stops early once the mean batch accuracy of the last ``window`` steps reaches ``stop_at``, and at
    the first step whose loss or gradient norm is not finite (``history.diverged_at``).
    """
    optimizer = optimizer or Adam(lr=1e-2)
    history = SequenceHistory(clip=clip)
    batches = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            x, y = task(batch_size, seed=int(batches.integers(2**31)))
            logits = model.forward(x)
            value, dlogits = softmax_cross_entropy(logits, y)
            model.backward(dlogits)
            grads = model.grads()
            if clip is not None:
                grads, norm = clip_by_norm(grads, clip)
                model.set_grads(grads)
            else:
                norm = global_norm(grads)
            history.loss.append(float(value))
            history.accuracy.append(float(np.mean(np.argmax(logits, axis=1) == y)))
            history.grad_norm.append(norm)
            if not (np.isfinite(value) and np.isfinite(norm)):
                history.diverged_at = step
                break
            optimizer.step(model.trainable)
            if stop_at is not None and step + 1 >= window and np.mean(history.accuracy[-window:]) >= stop_at:
                break
    return history


def digits_run(sizes, activation, init, seed=0, steps=500, lr=0.01, momentum=0.0, batch_size=64, **options):
    """A fresh ``MLP(sizes, activation, init, seed, **options)``, trained by ``fit_digits``.
    Returns (history, training accuracy)."""
    net = MLP(sizes, activation=activation, init=init, seed=seed, **options)
    return fit_digits(net, seed=seed, steps=steps, lr=lr, momentum=momentum, batch_size=batch_size)


def fit_digits(net, seed=0, steps=500, lr=0.01, momentum=0.0, batch_size=64):
    """``net`` trained on the digits (standardised) by ``train``, with SGD (``lr``, ``momentum``) for ``steps``
    minibatches of ``batch_size`` drawn with ``seed``. Returns (history, training accuracy), the accuracy in
    evaluation mode (batch norm uses its running averages)."""
    x, y = data.digits()
    history = train(net, x, y, optimizer=SGD(lr=lr, momentum=momentum), steps=steps, batch_size=batch_size, seed=seed)
    net.training = False
    with np.errstate(over="ignore", invalid="ignore"):  # a network that training blew up scores at chance, silently
        return history, accuracy(net, x, y)


def flag_recall_run(kind, length, seed=0, steps=200, hidden=32, dtype=np.float32, test_size=500, clip=1.0, **gates):
    """One run of the memory task: remember the flagged first symbol of ``length`` steps (``data.flag_recall``).

    A ``SequenceClassifier(kind, 5, hidden, 4)`` with the cell options ``gates`` (forget_bias, input_bias,
    update_bias, activation), in ``dtype``, trained by ``train_sequence``: Adam (lr 0.01), gradients clipped
    to norm ``clip`` (None: not clipped), fresh batches of 64, at most ``steps`` steps, stopping once 10 batches in
    a row are all right; then tested on ``test_size`` new sequences (always the same ones: seed 12345). ``seed`` sets
    the weights and the training batches. Returns (history, test accuracy).
    """
    model = SequenceClassifier(kind, 5, hidden, 4, seed=seed, dtype=dtype, **gates)
    task = functools.partial(data.flag_recall, length=length)
    history = train_sequence(model, task, steps=steps, optimizer=Adam(lr=1e-2), clip=clip, seed=seed, stop_at=1.0)
    return history, accuracy(model, *data.flag_recall(test_size, length, seed=12345))
