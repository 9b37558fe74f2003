"""Losses. Each returns (loss, dpred): the scalar loss (a Python float) and its gradient w.r.t. the
prediction, of the prediction's dtype (a float32 network gets float32 gradients; targets are cast to it)."""
import numpy as np

from ..errors import InputError


def _prediction(pred):
    pred = np.asarray(pred)
    return pred if np.issubdtype(pred.dtype, np.floating) else pred.astype(np.float64)


def mse(pred, target):
    """Mean squared error, averaged over every entry.

    pred, target: (batch, k) -> loss = mean((pred - target)^2), dpred: (batch, k)
    """
    pred = _prediction(pred)
    target = np.asarray(target, dtype=pred.dtype)
    if pred.shape != target.shape:
        raise InputError(f"mse needs pred and target of the same shape; got {pred.shape} and {target.shape}")
    diff = pred - target
    loss = float(np.mean(diff * diff))
    diff *= 2 / diff.size
    return loss, diff


def log_softmax(logits):
    """log softmax along the last axis, by log-sum-exp: never overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """Cross-entropy of softmax(logits) against integer class labels, averaged over the batch.

    logits: (batch, classes), labels: (batch,) integers in [0, classes)
    -> loss, dlogits: (batch, classes) = (softmax(logits) - onehot(labels)) / batch
    """
    logits, labels = _prediction(logits), np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise InputError(
            f"softmax_cross_entropy needs logits (batch, classes) and labels (batch,); "
            f"got {logits.shape} and {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= logits.shape[1]:
        raise InputError(f"labels must be integers in [0, {logits.shape[1]})")
    batch = np.arange(logits.shape[0])
    logp = log_softmax(logits)
    dlogits = np.exp(logp)
    dlogits[batch, labels] -= 1.0
    dlogits /= logits.shape[0]
    return float(-logp[batch, labels].mean()), dlogits


LOSSES = {"mse": mse, "cross_entropy": softmax_cross_entropy}
