"""Exercises of notebook 07_recurrent_networks, in the notebook's order: 7.1 jacobian_norm and 7.2
gradient_regime (section 2), 7.3 clip_by_norm (section 3)."""
import numpy as np

from ..bptt import spectral_radius
from ..nn.recurrent import RNN, clip_by_norm, global_norm
from .registry import Case, Exercise, Mistake, apart, close, describe, equal, register

# ---- 7.1 jacobian_norm ------------------------------------------------------------------------------


def _jacobian_norm(W_hh, a, lag):
    J = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:]:  # a_{T-lag+1} .. a_T; the latest step multiplies on the left
        J = (1 - np.tanh(a_k) ** 2)[:, None] * W_hh.T @ J
    return float(np.linalg.norm(J, 2))


def _jacobian_cases(rng):
    """One sequence per lag kind, at sizes, scales and pre-activations of the seed's own: a lag in the
    middle first (every misread product fails there), then the whole sequence, one step fewer than the
    whole, one step, and lag 0 (the identity, where a[-lag:] would be the whole sequence)."""
    cases = []
    for kind in ("middle", "all", "all but one", "one", "zero"):
        H, T = int(rng.integers(2, 7)), int(rng.integers(5, 13))
        lag = {"middle": int(rng.integers(2, T - 1)), "all": T, "all but one": T - 1, "one": 1, "zero": 0}[kind]
        W = rng.normal(0, rng.uniform(0.8, 2.5) / np.sqrt(H), size=(H, H))
        cases.append(Case((W, rng.normal(0, rng.uniform(0.6, 1.5), size=(T, H)), lag)))
    return cases


def _step_jacobians(W_hh, a, rows, derivative=lambda a_k: 1 - np.tanh(a_k) ** 2, transpose=True):
    W = W_hh.T if transpose else W_hh
    return [np.diag(derivative(a_k)) @ W for a_k in rows]


def _product(jacobians, latest_left=True):
    J = np.eye(len(jacobians[0])) if jacobians else None
    for J_k in jacobians:
        J = J_k @ J if latest_left else J @ J_k
    return J


def _jacobian_mistake(rows=lambda a, lag: a[len(a) - lag:], norm=lambda J: np.linalg.norm(J, 2), **options):
    latest_left = options.pop("latest_left", True)

    def jacobian_norm(W_hh, a, lag):
        jacobians = _step_jacobians(W_hh, a, rows(a, lag), **options)
        J = _product(jacobians, latest_left) if jacobians else np.eye(len(W_hh))
        return float(norm(J))

    return jacobian_norm


register(Exercise(
    name="jacobian_norm", label="Exercise 7.1", notebook="07_recurrent_networks", points=3,
    reference=_jacobian_norm, cases=_jacobian_cases, compare=close(rtol=1e-8, atol=1e-14),
    # RNN.backward carries a vector back through the same product of Jacobians: with an RNN built on
    # W_hh and one backward pass per unit vector it gives J, the decisive piece.
    protected=(_jacobian_norm, RNN.backward),
    hints=(
        "One step back: h_t = tanh(a_t) with a_t = x_t W_xh + h_{t-1} W_hh + b, so as a column-vector Jacobian "
        "dh_t/dh_{t-1} = diag(1 - tanh(a_t)^2) @ W_hh.T, an (H, H) matrix.",
        "dh_T/dh_{T-lag} is the product of the Jacobians of the last `lag` steps, a_{T-lag+1} .. a_T, the latest "
        "step on the LEFT. Lag 0 is no step at all: the identity. Careful: a[-0:] is the whole array, not an "
        "empty one.",
        "The largest singular value is np.linalg.norm(J, 2); np.linalg.norm(J) alone is the Frobenius norm, "
        "which is larger. diag(d) @ M scales the rows of M, which d[:, None] * M does without building diag(d).",
    ),
    mistakes=(
        Mistake("earliest step on the left", _jacobian_mistake(latest_left=False),
                "Your result multiplies the Jacobians in the wrong order: dh_T/dh_{T-lag} = J_T @ J_{T-1} @ ... "
                "@ J_{T-lag+1}, the LATEST step on the left (the chain rule from h_T inwards). Matrices do not "
                "commute, so the order changes the norm."),
        Mistake("W_hh instead of W_hh.T", _jacobian_mistake(transpose=False),
                "Your result uses W_hh where the Jacobian has W_hh.T: with row vectors, a_t = ... + h_{t-1} @ W_hh, "
                "so the column-vector Jacobian of one step is diag(1 - tanh(a_t)^2) @ W_hh.T."),
        Mistake("tanh' as 1 - a**2", _jacobian_mistake(derivative=lambda a_k: 1 - a_k ** 2),
                "Your result takes tanh'(a) as 1 - a**2. The derivative of tanh is 1 - tanh(a)**2: the rows of "
                "`a` are pre-activations, not the states h = tanh(a)."),
        Mistake("Frobenius norm", _jacobian_mistake(norm=np.linalg.norm),
                "Your result is the Frobenius norm (np.linalg.norm(J), the root of the sum of all squared entries). "
                "The question is the largest singular value: np.linalg.norm(J, 2)."),
        Mistake("the first lag rows", _jacobian_mistake(rows=lambda a, lag: a[:lag]),
                "Your result uses the FIRST `lag` rows of a. dh_T/dh_{T-lag} goes back from the last step: it "
                "needs the last `lag` rows, a_{T-lag+1} .. a_T."),
        Mistake("one step too many", _jacobian_mistake(rows=lambda a, lag: a[max(len(a) - lag - 1, 0):]),
                "Your result multiplies one Jacobian too many: going back `lag` steps takes `lag` Jacobians, those "
                "of a_{T-lag+1} .. a_T (lag 0: none, the identity)."),
        Mistake("a[-lag:] at lag 0", _jacobian_mistake(rows=lambda a, lag: a[-lag:]),
                "Your result is right for lag > 0 but not for lag 0: a[-0:] is a[0:], the WHOLE array. Lag 0 is "
                "dh_T/dh_T, the identity, of norm 1: take the last `lag` rows as a[len(a) - lag:]."),
        Mistake("the product of the steps' norms",
                lambda W_hh, a, lag: float(np.prod([np.linalg.norm(J_k, 2) for J_k in
                                                    _step_jacobians(W_hh, a, a[len(a) - lag:])])),
                "Your result multiplies the norms of the single steps: that is only an upper bound "
                "(||AB|| <= ||A|| ||B||). Multiply the matrices first, then take the norm of the product."),
    ),
))


# ---- 7.2 gradient_regime ----------------------------------------------------------------------------


def _regime(W_hh, tol=1e-6):
    rho = spectral_radius(W_hh)
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def _regime_cases(rng):
    """Matrices at sizes of the seed's own, in an order of the seed's own: neither the size nor the
    position tells the regime (the first two share a size and differ in regime). Each shortcut fails on
    a case of its own, where the others give the right answer: a non-normal matrix (largest singular
    value at least 3, spectral radius below 1; and one whose powers grow for over 50 steps before they
    shrink), a scaled rotation and a dominant negative eigenvalue
    (the largest eigenvalue without abs), eigenvalues lambda and about -lambda (the trace), one
    eigenvalue above 1 and the others small (the determinant), a radius within 1e-7 of 1 but not 1, of
    trace 1 (no tolerance), a complex pair near 45 degrees whose real and imaginary parts are below 1
    (max(|re|, |im|) for |.|), a neutral non-normal matrix with a complex pair of radius just below 1
    (0.7e-6 to 0.9e-6 below: a one-sided or narrower tolerance; power iteration and ||W^k||^(1/k) for the
    radius), radii 1.1e-6 to 1.3e-6 below and above 1 (a wider tolerance, rounding, np.isclose with its
    rtol of 1e-5), and, last, four cases with a tolerance passed as an
    argument: neutral at 0.6 to 0.9 tol below and above 1 (the squared radius, half the tolerance),
    and just outside, at 1.2 to 2 tol."""
    def size():
        return int(rng.integers(2, 10))

    def orthogonal(n):
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        return q * np.sign(np.diag(r))

    def with_one(n):  # an orthogonal matrix with an eigenvalue +1 (so its largest real eigenvalue is 1)
        block = np.eye(n)
        block[1:, 1:] = orthogonal(n - 1)
        u = orthogonal(n)
        return u @ block @ u.T

    def trace_one(n):  # orthogonal, of trace 1: eigenvalues 1, (-1, e^(±i pi/3),) and e^(±i t), -e^(∓i t) pairs
        k = (n - 1) // 2 if n % 2 else (n - 4) // 2
        angles = ([np.pi / 2] if k % 2 else []) + [t for t in rng.uniform(0.2, 1.3, k // 2) for t in (t, np.pi - t)]
        block = np.zeros((n, n))
        block[0, 0] = 1.0
        if n % 2 == 0:
            block[1, 1], angles = -1.0, angles + [np.pi / 3]
        for j, angle in enumerate(angles):
            i = n - 2 * (j + 1)
            block[i:i + 2, i:i + 2] = [[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]
        u = orthogonal(n)
        return u @ block @ u.T

    def similar(eigenvalues):  # P diag(eigenvalues) P^-1, P of condition number at most 4
        n = len(eigenvalues)
        P = orthogonal(n) @ np.diag(rng.uniform(0.5, 2.0, n)) @ orthogonal(n)
        return P @ np.diag(eigenvalues) @ np.linalg.inv(P)

    def non_normal(n, d, off):  # eigenvalues ±d on the diagonal; above it, at least one entry of size `off`
        m = np.diag(d * (-1.0) ** np.arange(n)) + np.triu(rng.normal(0, off, size=(n, n)), 1)
        m[0, 1] = rng.choice([-1, 1]) * max(abs(m[0, 1]), off)
        return m

    def jordan(d, a):  # eigenvalues d, d, -d, coupled by a: the powers grow like k a d^k for a while
        m = np.diag([d, d, -d]) + np.triu(rng.normal(0, 0.1, size=(3, 3)), 1)
        m[0, 1] = rng.choice([-1, 1]) * a
        return m

    def quarter_turn(r, normal=True):  # eigenvalues r e^(±i theta), theta near pi/4, and smaller real ones
        n, theta = size() + 1, np.pi / 4 + rng.uniform(-0.05, 0.05)
        block = np.diag(np.concatenate([[0.0, 0.0], rng.uniform(-0.5, 0.5, n - 2)]))
        block[:2, :2] = r * np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
        P = orthogonal(n) if normal else orthogonal(n) @ np.diag(rng.uniform(0.5, 2.0, n)) @ orthogonal(n)
        return P @ block @ np.linalg.inv(P)

    n, tol = size(), float(rng.uniform(0.02, 0.1))
    lam, c = rng.uniform(1.3, 2.0), rng.uniform(1.5, 3.0)
    theta = np.arccos(rng.uniform(0.55, 0.95) / c)  # c cos(theta) < 1 < c
    rotation = c * np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    cases = [
        Case((rng.uniform(0.3, 0.8) * orthogonal(n),)),
        Case((rng.uniform(1.1, 1.6) * with_one(n),)),
        Case(((1 + rng.choice([-1, 1]) * rng.uniform(1e-8, 1e-7)) * trace_one(int(rng.integers(3, 10))),)),  # neutral
        Case((non_normal(size(), rng.uniform(0.8, 0.95), 3.0),)),  # largest singular value >= 3, radius < 1
        Case((non_normal(size(), rng.uniform(1.02, 1.1), 0.1),)),  # radius just above 1
        Case((jordan(rng.uniform(0.93, 0.97), rng.uniform(3.0, 5.0)),)),  # ||W^50||^(1/50) is still above 1
        Case((rotation,)),  # eigenvalues c e^(±i theta): |.| = c > 1, real part < 1
        Case((similar([-rng.uniform(2.2, 2.8), rng.uniform(0.6, 0.9)]),)),  # trace and det above 1 as well
        Case((similar([lam, -(lam - rng.uniform(0.1, 0.5))]),)),  # trace below 1
        Case((similar(np.concatenate([[rng.uniform(1.2, 1.5)], rng.uniform(0.2, 0.5, size() - 1)])),)),  # det < 1
        Case((quarter_turn(rng.uniform(1.1, 1.25)),)),  # |re| and |im| of every eigenvalue below 1
        Case((quarter_turn(1 - rng.uniform(0.7e-6, 0.9e-6), normal=False),)),  # neutral, below 1 and non-normal
        *(Case(((1 + side * rng.uniform(1.1e-6, 1.3e-6)) * orthogonal(size()),)) for side in (-1, 1)),  # just outside
    ]
    cases = [cases[i] for i in rng.permutation(len(cases))]
    with_tol = [Case(((1 + side * rng.uniform(*band) * tol) * orthogonal(size()),), {"tol": tol})
                for side in (-1, 1) for band in ((0.6, 0.9), (1.2, 2.0))]  # neutral, then just outside
    return cases + [with_tol[i] for i in rng.permutation(4)]


def _regime_by(measure, tolerance=lambda tol: tol):
    def gradient_regime(W_hh, tol=1e-6):
        rho, tol = measure(np.asarray(W_hh)), tolerance(tol)
        return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"

    return gradient_regime


def _radius(W):
    return np.max(np.abs(np.linalg.eigvals(W)))


register(Exercise(
    name="gradient_regime", label="Exercise 7.2", notebook="07_recurrent_networks", points=2,
    reference=_regime, cases=_regime_cases, compare=equal, protected=(_regime, spectral_radius),
    hints=(
        "Through a linear recurrence the gradient lag steps back is multiplied by (W_hh.T)^lag; in the long run "
        "that grows or shrinks like rho^lag, rho = the spectral radius, the largest ABSOLUTE value of an "
        "eigenvalue.",
        "np.linalg.eigvals gives the eigenvalues, complex in general (a rotation has ±ci): take their absolute "
        "values before the largest. Eigenvalues, not singular values: a matrix can have a singular value above 1 "
        "and still shrink every vector in the long run.",
        "Neutral means |rho - 1| <= tol, with the tol the function is given (the check passes other values than "
        "1e-6): a radius of 1 computed in floating point is rarely exactly 1.",
    ),
    mistakes=(
        Mistake("the largest singular value", _regime_by(lambda W: np.linalg.norm(W, 2)),
                "Your answer follows the largest singular value (np.linalg.norm(W, 2) or the SVD). That bounds one "
                "step; the long run is set by the spectral radius, the largest |eigenvalue|: a non-normal matrix "
                "can have a singular value of 3 and still make every gradient vanish."),
        Mistake("the largest eigenvalue without abs", _regime_by(lambda W: np.max(np.linalg.eigvals(W))),
                "Your answer takes the largest eigenvalue, not the largest |eigenvalue|: an eigenvalue of -2, or a "
                "complex pair such as 0.8 ± 1.5i (a scaled rotation), makes gradients explode too, and NumPy "
                "orders complex numbers by their real part. Take np.abs of the eigenvalues first."),
        Mistake("tol fixed at 1e-6", _regime_by(_radius, tolerance=lambda tol: 1e-6),
                "Your answer is right with tol=1e-6 but not with the tol it is given: use the argument, not the "
                "default value."),
        Mistake("the determinant", _regime_by(lambda W: abs(np.linalg.det(W))),
                "Your answer follows the determinant (the product of the eigenvalues): one eigenvalue of 1.3 and the "
                "rest small give a determinant below 1, yet the gradient along that eigenvector grows like 1.3^lag. "
                "Use the largest |eigenvalue|."),
        Mistake("tol ignored", _regime_by(_radius, tolerance=lambda tol: 0.0),
                "Your answer compares the radius with 1 exactly. Computed eigenvalues carry rounding errors, and a "
                "radius within tol of 1 is neutral: use the tol argument."),
        Mistake("the trace", _regime_by(lambda W: abs(np.trace(W))),
                "Your answer follows the trace (the sum of the eigenvalues), which is small when large eigenvalues "
                "cancel, as 1.5 and -1.4 do. Use the largest |eigenvalue|."),
    ),
))


# ---- 7.3 clip_by_norm -------------------------------------------------------------------------------

CLIP_RTOL = 1e-5  # the notebook says it: a small epsilon in the factor (PyTorch's norm + 1e-6) passes


def _clip(grads, max_norm):
    return clip_by_norm(grads, max_norm)


# Whole numbers whose squares add up to a square: gradients of exactly that global norm.
_EXACT = ((2, 3, 6), (1, 4, 8), (4, 4, 7), (2, 6, 9), (6, 6, 7), (2, 2, 4, 5), (2, 4, 5, 6), (1, 2, 4, 10))


def _clip_cases(rng):
    """Each case at a max_norm of its own; the first three and the last clip, the others do not.

    1. one gradient far longer than max_norm, with an entry above max_norm (clipping each entry is not
       scaling); 2. three gradients, each shorter than max_norm, together longer (clipping each alone,
       or each entry, changes nothing; adding their norms overestimates); 3. a matrix far longer than
       max_norm beside two short gradients; 4. well under max_norm; 5. just under it (by 0.01 % to
       0.1 %, above 1); 6. exactly at it, in whole numbers (a power of 2 times numbers whose squares add
       up to a square); 7. just above it (by 1e-9 to 1e-7, below 1: clipping must not wait for an epsilon
       above max_norm; 5 and 7 together fail a comparison of the squared norm with max_norm)."""
    def with_norms(shapes, norms):
        gs = [rng.normal(size=s) for s in shapes]
        return [g * (n / np.sqrt(np.sum(g * g))) for g, n in zip(gs, norms)]

    def some_shapes(k):
        return [(int(rng.integers(2, 6)), int(rng.integers(1, 5))) if rng.random() < 0.5 else (int(rng.integers(2, 8)),)
                for _ in range(k)]

    def max_norm():
        return float(rng.uniform(0.5, 5.0))

    cases = []
    m = max_norm()
    single = rng.normal(0, m, size=int(rng.integers(3, 9)))
    single[rng.integers(len(single))] = rng.choice([-1, 1]) * m * rng.uniform(2, 4)
    cases.append(Case(([single], m)))
    m = max_norm()
    cases.append(Case((with_norms(some_shapes(3), m * rng.uniform(0.6, 0.9, 3)), m)))
    m = max_norm()
    cases.append(Case((with_norms([(4, 3), (3,), (3, 2)], [m * rng.uniform(1.5, 3), *(m * rng.uniform(0.1, 0.5, 2))]), m)))
    m = max_norm()
    cases.append(Case((with_norms(some_shapes(2), m * rng.uniform(0.1, 0.45, 2)), m)))
    grads = with_norms(some_shapes(2), rng.uniform(1.1, 3.5, 2))  # a global norm above 1, so is n^2
    cases.append(Case((grads, global_norm(grads) * (1 + rng.uniform(1e-4, 1e-3)))))
    values = np.array(_EXACT[rng.integers(len(_EXACT))], dtype=np.float64)
    values = rng.permutation(values) * rng.choice([-1, 1], size=len(values)) * 2.0 ** int(rng.integers(-1, 2))
    cut = int(rng.integers(1, len(values)))
    cases.append(Case(([values[:cut], values[cut:]], float(np.sqrt(np.sum(values ** 2))))))
    grads = with_norms(some_shapes(2), rng.uniform(0.2, 0.6, 2))  # a global norm below 1, so is n^2
    cases.append(Case((grads, global_norm(grads) / (1 + rng.uniform(1e-9, 1e-7)))))
    return cases


def _compare_clip(expected, got):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "expected a tuple (clipped gradients, norm before clipping), got " + (
            "None (is a `return` missing?)" if got is None else f"a {type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
    (want, want_norm), (grads, norm) = expected, got
    if isinstance(grads, np.ndarray):
        return ("expected a tuple (clipped gradients, norm before clipping), got a list of arrays "
                "(is the norm missing from the return?)")
    if not isinstance(grads, (list, tuple)) or len(grads) != len(want):
        return f"the clipped gradients should be a list of {len(want)} arrays, one per gradient; got {describe(grads)}"
    for i, (e, g) in enumerate(zip(want, grads)):
        problem = close(rtol=CLIP_RTOL, atol=1e-12)(e, g)
        if problem:
            return f"clipped gradient {i}: {problem}"
    problem = close(rtol=1e-9)(want_norm, norm)
    if problem:
        return f"the norm before clipping: {problem}"
    allowed = global_norm(want)  # max_norm when the reference clipped, else the norm before clipping
    after = float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads)))
    if after > allowed * (1 + 1e-12):
        after, allowed = apart(after, allowed)
        return (f"the clipped gradients have global norm {after}, above {allowed}: the factor must "
                f"never make the norm larger than max_norm (an epsilon belongs in the denominator, norm + eps)")
    return None


def _listed(value, got):
    """``got`` is the list of clipped gradients ``value``, without the norm."""
    return (isinstance(got, (list, tuple)) and len(got) == len(value)
            and all(close(rtol=CLIP_RTOL, atol=1e-12)(e, g) is None for e, g in zip(value, got)))


def _norm(g):
    return float(np.sqrt(np.sum(g * g)))


def _clip_mistake(norm=lambda grads: float(np.sqrt(sum(np.sum(g * g) for g in grads))),
                  scale=lambda n, m: m / n if n > m else 1.0, returned=lambda clipped, n: n):
    def clip_by_norm(grads, max_norm):
        n = norm(grads)
        clipped = [g * scale(n, max_norm) for g in grads]
        return clipped, returned(clipped, n)

    return clip_by_norm


def _per_tensor(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return [g * min(1.0, max_norm / _norm(g)) for g in grads], norm


def _by_value(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return [np.clip(g, -max_norm, max_norm) for g in grads], norm


def _rebinds(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if norm > max_norm:
        for g in grads:
            g = g * (max_norm / norm)  # noqa: PLW2901 (the mistake: the scaled array is lost)
    return grads, norm


def _no_norm(grads, max_norm):
    return _clip_mistake()(grads, max_norm)[0]


register(Exercise(
    name="clip_by_norm", label="Exercise 7.3", notebook="07_recurrent_networks", points=2,
    reference=_clip, cases=_clip_cases, compare=_compare_clip, protected=(_clip, clip_by_norm, global_norm),
    hints=(
        "The global norm treats all gradients as one long vector: the square root of the sum of every entry "
        "squared, over every array in the list.",
        "Only when that norm is larger than max_norm, multiply every gradient by the same factor, the one that "
        "makes the global norm equal to max_norm; otherwise leave them as they are.",
        "Return a tuple of two things: the list of clipped gradients, and the norm measured BEFORE clipping.",
    ),
    mistakes=(
        Mistake("clips each gradient alone", _per_tensor,
                "Your result clips each gradient by its own norm. Clip-by-norm measures ONE norm over all the "
                "gradients together, as one long vector, and scales them all by the same factor: that keeps the "
                "direction of the whole update."),
        Mistake("clips each entry (by value)", _by_value,
                "Your result clips each entry to [-max_norm, max_norm] (clipping by value, vgrad.nn.clip_by_value): "
                "that changes the direction of the gradient. Clip by norm multiplies every entry by one common "
                "factor."),
        Mistake("the sum of the norms", _clip_mistake(norm=lambda grads: sum(_norm(g) for g in grads)),
                "Your global norm adds up the norms of the gradients. Norms add in squares (like the sides of a "
                "right triangle): the global norm is the square root of the sum of ALL squared entries."),
        Mistake("rescales below max_norm too", _clip_mistake(scale=lambda n, m: m / n),
                "Your result rescales gradients whose global norm is below max_norm, up to max_norm. Clipping only "
                "ever shortens: when the norm is at most max_norm, return the gradients unchanged."),
        Mistake("the factor upside down", _clip_mistake(scale=lambda n, m: n / m if n > m else 1.0),
                "Your clipped gradients are longer than before: the factor is upside down. After clipping, the "
                "global norm must be max_norm."),
        Mistake("the norm after clipping",
                _clip_mistake(returned=lambda clipped, n: float(np.sqrt(sum(np.sum(g * g) for g in clipped)))),
                "Your clipped gradients are right, but the norm you return is measured after clipping. Return the "
                "norm before clipping: a training loop records it to see how large the raw gradient was."),
        Mistake("the scaled arrays lost", _rebinds,
                "Your function returns the gradients unchanged although their norm is above max_norm. Is the "
                "scaled array assigned to a loop variable (`g = g * scale`) and then lost? Build a new list, or "
                "scale each array in place (`g *= scale`)."),
        Mistake("forgets the norm", _no_norm,
                "You return only the clipped gradients: return the tuple (clipped, norm), the norm measured "
                "before clipping.", _listed),
    ),
))
