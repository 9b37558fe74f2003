"""Exercises of notebook 07_recurrent_networks."""
import numpy as np

from ..bptt import spectral_radius
from ..nn.recurrent import clip_by_norm, global_norm
from .registry import Case, Exercise, close, equal, register


def _clip(grads, max_norm):
    return clip_by_norm(grads, max_norm)


def _clip_cases(rng):
    cases = []
    for shapes, max_norm in ((((3, 2), (2,)), 1.0), (((4, 4), (4, 3), (3,)), 5.0), (((2,),), 100.0),
                             (((5, 3), (3,)), 0.5)):
        grads = [rng.normal(0, rng.uniform(0.5, 3), size=s) for s in shapes]
        cases.append(Case((grads, max_norm)))
    return cases


def _compare_clip(expected, got):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "expected a tuple (clipped gradients, norm before clipping), got " + (
            "None (is a `return` missing?)" if got is None else f"a {type(got).__name__}")
    (want, want_norm), (grads, norm) = expected, got
    if isinstance(grads, np.ndarray):
        return ("expected a tuple (clipped gradients, norm before clipping), got a list of arrays "
                "(is the norm missing from the return?)")
    if not isinstance(grads, (list, tuple)) or len(grads) != len(want):
        return f"the clipped gradients should be a list of {len(want)} arrays, one per gradient"
    for i, (e, g) in enumerate(zip(want, grads)):
        problem = close(rtol=1e-9, atol=1e-12)(e, g)
        if problem:
            return f"clipped gradient {i}: {problem}"
    problem = close(rtol=1e-9)(want_norm, norm)
    return f"the norm before clipping: {problem}" if problem else None


register(Exercise(
    name="clip_by_norm", label="Exercise 7.1", notebook="07_recurrent_networks", points=2,
    reference=_clip, cases=_clip_cases, compare=_compare_clip, protected=(_clip, clip_by_norm, global_norm),
    hints=(
        "The global norm treats all gradients as one long vector: sqrt of the sum of every entry squared, "
        "over every array in the list.",
        "If that norm is larger than max_norm, multiply every gradient by the same factor max_norm / norm; "
        "otherwise leave them as they are.",
        "Return a tuple: ([g * scale for g in grads], norm), with the norm measured before clipping.",
    ),
))


def _jacobian_norm(W_hh, a, lag):
    J = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:]:  # a_{T-lag+1} .. a_T; the latest step multiplies on the left
        J = (1 - np.tanh(a_k) ** 2)[:, None] * W_hh.T @ J
    return float(np.linalg.norm(J, 2))


def _jacobian_cases(rng):
    cases = []
    for H, T, lag, scale in ((3, 4, 1, 1.0), (4, 6, 6, 1.5), (5, 10, 4, 0.8), (6, 12, 0, 1.0), (4, 8, 7, 2.5)):
        W = rng.normal(0, scale / np.sqrt(H), size=(H, H))
        cases.append(Case((W, rng.normal(0, 1.0, size=(T, H)), lag)))
    return cases


register(Exercise(
    name="jacobian_norm", label="Exercise 7.2", notebook="07_recurrent_networks", points=3,
    reference=_jacobian_norm, cases=_jacobian_cases, compare=close(rtol=1e-8, atol=1e-14),
    protected=(_jacobian_norm,),
    hints=(
        "One step: h_t = tanh(a_t) with a_t = x_t W_xh + h_{t-1} W_hh + b, so (as a column-vector Jacobian) "
        "dh_t/dh_{t-1} = diag(1 - tanh(a_t)^2) @ W_hh.T.",
        "dh_T/dh_{T-lag} multiplies the last `lag` of these, the latest on the left: "
        "J_T @ J_{T-1} @ ... @ J_{T-lag+1}. The rows a[-lag:] are a_{T-lag+1} .. a_T; lag 0 gives the identity.",
        "Start from J = np.eye(H); for each row a_k of a[len(a) - lag:] in order, "
        "J = np.diag(1 - np.tanh(a_k)**2) @ W_hh.T @ J. Return np.linalg.norm(J, 2), the largest singular value.",
    ),
))


def _regime(W_hh, tol=1e-6):
    rho = spectral_radius(W_hh)
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def _regime_cases(rng):
    def orthogonal(n):
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        return q * np.sign(np.diag(r))

    def upper(n, diag, off):  # non-normal: its largest singular value far exceeds its spectral radius
        return np.diag(np.full(n, diag)) + np.triu(rng.normal(0, off, size=(n, n)), 1)

    def size():  # every kind at a size of its own per run: the size never tells the regime
        return int(rng.integers(2, 10))

    def dense(n, rho):  # a random matrix scaled to spectral radius rho
        m = rng.normal(size=(n, n))
        return m * (rho / np.max(np.abs(np.linalg.eigvals(m))))

    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])
    cases = [Case((rng.uniform(0.3, 0.8) * orthogonal(size()),)), Case((rng.uniform(1.1, 1.6) * orthogonal(size()),)),
             Case((orthogonal(size()),)), Case((upper(size(), rng.uniform(0.8, 0.95), 3.0),)),
             Case((upper(size(), rng.uniform(1.02, 1.1), 0.1),)), Case((dense(size(), rng.uniform(0.3, 0.8)),)),
             Case((rng.uniform(1.5, 3.0) * rotation,))]
    return [cases[i] for i in rng.permutation(len(cases))]  # nor does the order


register(Exercise(
    name="gradient_regime", label="Exercise 7.3", notebook="07_recurrent_networks", points=2,
    reference=_regime, cases=_regime_cases, compare=equal, protected=(_regime, spectral_radius),
    hints=(
        "Through a linear recurrence the gradient lag steps back is multiplied by W_hh^lag; in the long run "
        "that grows or shrinks like rho^lag, rho = the spectral radius, the largest |eigenvalue|.",
        "rho = np.max(np.abs(np.linalg.eigvals(W_hh))) — eigenvalues, not singular values: a matrix can have "
        "a singular value above 1 and still shrink every vector in the long run.",
        'Return "vanishing" if rho < 1 - tol, "exploding" if rho > 1 + tol, and "neutral" otherwise.',
    ),
))
