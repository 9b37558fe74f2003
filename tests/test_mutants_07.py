"""The mutant catalogue of notebook 07 (harness: tests/mutants.py). The registry's mistakes (in
src/vgrad/exercises/ch07.py) join the wrong answers here."""
import threading
from functools import partial

import numpy as np

from mutants import catalogue_tests
from vgrad import bptt
from vgrad.exercises import run
from vgrad.nn import RNN, clip_by_norm as course_clip, global_norm

NOTEBOOK = "07_recurrent_networks"


# ---- 7.1 jacobian_norm ----

def jacobian_loop(W_hh, a, lag):  # the solution's way, as a learner may also write it
    J = np.eye(len(W_hh))
    for t in range(len(a) - 1, len(a) - 1 - lag, -1):  # from the last step back: J = J @ J_t
        J = J @ (np.diag(1 - np.tanh(a[t]) ** 2) @ W_hh.T)
    return float(np.linalg.norm(J, 2))


def jacobian_rows(W_hh, a, lag):  # row-vector convention: dh_T = dh_{T-lag} @ (W D_{T-lag+1}) ... (W D_T)
    M = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:]:
        M = M @ W_hh * (1 - np.tanh(a_k) ** 2)
    return float(np.linalg.svd(M, compute_uv=False)[0])


def jacobian_eigh(W_hh, a, lag):  # sqrt of the largest eigenvalue of J^T J
    J = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:] if lag else []:
        J = (1 / np.cosh(a_k) ** 2)[:, None] * W_hh.T @ J
    return float(np.sqrt(np.linalg.eigvalsh(J.T @ J)[-1]))


def jacobian_by_bptt(W_hh, a, lag):  # the course's RNN.backward, one unit vector at a time
    H, T = len(W_hh), len(a)
    rnn = RNN(H, H, activation="tanh")
    rnn.Wx, rnn.Wh, rnn.b = np.eye(H), W_hh, np.zeros(H)
    h_prev = np.vstack([np.zeros(H), np.tanh(a[:-1])])
    rnn.forward((a - h_prev @ W_hh)[None])
    rows = []
    for i in range(H):
        dh = np.zeros((1, T, H))
        dh[0, -1, i] = 1.0
        rnn.backward(dh)
        rows.append(rnn.dh_total[0, T - 1 - lag] if lag < T
                    else rnn.dh_total[0, 0] @ np.diag(1 - np.tanh(a[0]) ** 2) @ W_hh.T)
    return float(np.linalg.norm(np.array(rows), 2))


# ---- 7.2 gradient_regime ----

def regime_eig(W_hh, tol=1e-6):
    rho = max(abs(v) for v in np.linalg.eig(W_hh.T)[0])
    if abs(rho - 1) <= tol:
        return "neutral"
    return "exploding" if rho > 1 else "vanishing"


def regime_companion(W_hh, tol=1e-6):  # the roots of the characteristic polynomial
    rho = np.max(np.abs(np.roots(np.poly(W_hh))))
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def regime_by_size(W_hh, tol=1e-6):  # a table of the notebook's answers by matrix size
    return _SIZE_TABLE.get(len(W_hh), "vanishing")


def _notebook_size_table():
    from vgrad.exercises import get_exercise
    from vgrad.exercises.runner import NOTEBOOK_SEED
    ex = get_exercise("gradient_regime")
    return {len(c.args[0]): ex.reference(*c.args, **c.kwargs) for c in ex.cases(np.random.default_rng(NOTEBOOK_SEED))}


_SIZE_TABLE = _notebook_size_table()


def regime_eigvalsh(W_hh, tol=1e-6):  # as if W_hh were symmetric
    rho = np.max(np.abs(np.linalg.eigvalsh(W_hh)))
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def regime_power(W_hh, tol=1e-6):  # ||W^50||^(1/50): the long run, too short
    rho = np.linalg.norm(np.linalg.matrix_power(W_hh, 50), 2) ** (1 / 50)
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def regime_power_iteration(W_hh, tol=1e-6):  # 500 steps of power iteration for the radius
    v = np.ones(len(W_hh))
    for _ in range(500):
        w = W_hh @ v
        rho, v = np.linalg.norm(w) / np.linalg.norm(v), w / np.linalg.norm(w)
    return _regime(rho, tol)


def regime_larger_part(W_hh, tol=1e-6):  # max(|re|, |im|) in place of |eigenvalue|
    ev = np.linalg.eigvals(W_hh)
    return _regime(np.max(np.maximum(np.abs(ev.real), np.abs(ev.imag))), tol)


def regime_isclose(W_hh, tol=1e-6):  # np.isclose adds its own rtol of 1e-5
    rho = _rho(W_hh)
    return "neutral" if np.isclose(rho, 1, atol=tol) else "vanishing" if rho < 1 else "exploding"


def regime_one_sided(W_hh, tol=1e-6):  # the tolerance above 1 only
    rho = _rho(W_hh)
    return "vanishing" if rho < 1 else "exploding" if rho > 1 + tol else "neutral"


# ---- 7.3 clip_by_norm ----

def clip_like_pytorch(grads, max_norm):  # torch.nn.utils.clip_grad_norm_: an epsilon, and clamp at 1
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


def clip_in_place(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads, norm


def clip_tuple(grads, max_norm):
    norm = np.sqrt(np.sum([np.vdot(g, g) for g in grads]))
    return tuple(g / max(1.0, norm / max_norm) for g in grads), norm


def clip_overshoots(grads, max_norm):  # an epsilon on the wrong side: the norm ends just above max_norm
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return [g * min(1.0, max_norm / (norm - 1e-6)) for g in grads], norm


def clip_in_a_thread(grads, max_norm):
    out = []

    def work():
        try:
            out.append(course_clip(grads, max_norm))
        except Exception as exc:  # handed to the caller, as a learner's thread pool would
            out.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    if isinstance(out[0], Exception):
        raise out[0]
    return out[0]


WRONG = {
    "jacobian_norm": {
        "forgets tanh' (a linear RNN)": lambda W_hh, a, lag: float(np.linalg.norm(
            np.linalg.matrix_power(W_hh.T, lag), 2)),
        "tanh(a) where tanh'(a) belongs": lambda W_hh, a, lag: _jac(W_hh, a, lag, d=np.tanh),
        "diag on the right (d * W_hh.T broadcasts by column)": lambda W_hh, a, lag: _jac(
            W_hh, a, lag, step=lambda d, W: d * W.T),
        "the spectral radius of J": lambda W_hh, a, lag: float(np.max(np.abs(np.linalg.eigvals(
            _J(W_hh, a, lag))))),
        "one step too few": lambda W_hh, a, lag: jacobian_loop(W_hh, a, max(lag - 1, 0)),
        "returns J itself": lambda W_hh, a, lag: _J(W_hh, a, lag),
        "in float32": lambda W_hh, a, lag: np.float32(jacobian_loop(W_hh, a, lag)),
        "the course's RNN.backward": jacobian_by_bptt,
    },
    "gradient_regime": {
        "the largest eigenvalue's real part": lambda W_hh, tol=1e-6: _regime(
            np.max(np.linalg.eigvals(W_hh).real), tol),
        "the mean |eigenvalue|": lambda W_hh, tol=1e-6: _regime(np.mean(np.abs(np.linalg.eigvals(W_hh))), tol),
        "a table of the notebook's answers by size": regime_by_size,
        "as if symmetric (eigvalsh)": regime_eigvalsh,
        "||W^50||^(1/50)": regime_power,
        "||W^200||^(1/200)": lambda W_hh, tol=1e-6: _regime(
            np.linalg.norm(np.linalg.matrix_power(W_hh, 200), 2) ** (1 / 200), tol),
        "power iteration, 500 steps": regime_power_iteration,
        "max(|re|, |im|) for |eigenvalue|": regime_larger_part,
        "the squared radius (no square root)": lambda W_hh, tol=1e-6: _regime(_rho(W_hh) ** 2, tol),
        "half the tolerance": lambda W_hh, tol=1e-6: _regime(_rho(W_hh), tol / 2),
        "np.isclose(rho, 1, atol=tol)": regime_isclose,
        "rho rounded to 5 decimals": lambda W_hh, tol=1e-6: _regime(round(float(_rho(W_hh)), 5), tol),
        "rho rounded to 6 decimals": lambda W_hh, tol=1e-6: _regime(round(float(_rho(W_hh)), 6), tol),
        "a tolerance of 1e-8, whatever tol": lambda W_hh, tol=1e-6: _regime(_rho(W_hh), 1e-8),
        "a tolerance above 1 only": regime_one_sided,
        "neutral within 1e-3, whatever tol": lambda W_hh, tol=1e-6: _regime(_rho(W_hh), 1e-3),
        "always vanishing": lambda W_hh, tol=1e-6: "vanishing",
        "the course's spectral_radius": lambda W_hh, tol=1e-6: _regime(bptt.spectral_radius(W_hh), tol),
    },
    "clip_by_norm": {
        "an epsilon on the wrong side (norm - 1e-6)": clip_overshoots,
        "a large epsilon (norm + 1e-3)": lambda grads, m: _scaled(grads, lambda n: min(1.0, m / (n + 1e-3))),
        "the root mean square for the norm": lambda grads, m: _scaled(
            grads, lambda n: min(1.0, m / n), norm=lambda gs: float(np.sqrt(np.mean(np.concatenate(
                [g.ravel() ** 2 for g in gs]))))),
        "the first gradient's norm for all": lambda grads, m: _scaled(
            grads, lambda n: min(1.0, m / n), norm=lambda gs: float(np.sqrt(np.sum(gs[0] ** 2)))),
        "(norm, clipped) in the wrong order": lambda grads, m: clip_like_pytorch(grads, m)[::-1],
        "in float32": lambda grads, m: ([g.astype(np.float32) for g in clip_in_place(grads, m)[0]],
                                        clip_in_place(grads, m)[1]),
        "the course's clip_by_norm": course_clip,
        "compares the squared norm with max_norm": lambda grads, m: _scaled(
            grads, lambda n: m / n if n * n > m else 1.0),
        "clips only above max_norm + 1e-6": lambda grads, m: _scaled(grads, lambda n: m / n if n > m + 1e-6 else 1.0),
        "clips only above 1.001 max_norm": lambda grads, m: _scaled(grads, lambda n: m / n if n > 1.001 * m else 1.0),
        "the course's clip_by_norm through partial": partial(course_clip),
        "the course's global_norm": lambda grads, m: _scaled(grads, lambda n: min(1.0, m / n), norm=global_norm),
        "the course's clip_by_norm in a thread": clip_in_a_thread,
    },
}

RIGHT = {
    "jacobian_norm": {
        "from the last step back (J @ J_t)": jacobian_loop,
        "row vectors (W_hh D_k, transposed product)": jacobian_rows,
        "sqrt of the top eigenvalue of J^T J, 1/cosh^2": jacobian_eigh,
    },
    "gradient_regime": {
        "np.linalg.eig of W.T, |rho - 1| <= tol": regime_eig,
        "roots of the characteristic polynomial": regime_companion,
        "capitalised, with a space (labels are read as 2.3 reads them)": lambda W_hh, tol=1e-6: _regime(
            _rho(W_hh), tol).capitalize() + " ",
    },
    "clip_by_norm": {
        "PyTorch's epsilon (max_norm / (norm + 1e-6))": clip_like_pytorch,
        "in place, one concatenated norm": clip_in_place,
        "a tuple, dividing by max(1, norm / max_norm)": clip_tuple,
    },
}


def _J(W_hh, a, lag):
    J = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:]:
        J = np.diag(1 - np.tanh(a_k) ** 2) @ W_hh.T @ J
    return J


def _jac(W_hh, a, lag, d=lambda a_k: 1 - np.tanh(a_k) ** 2, step=lambda d, W: np.diag(d) @ W.T):
    J = np.eye(len(W_hh))
    for a_k in a[len(a) - lag:]:
        J = step(d(a_k), W_hh) @ J
    return float(np.linalg.norm(J, 2))


def _rho(W):
    return np.max(np.abs(np.linalg.eigvals(W)))


def _regime(rho, tol):
    return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"


def _scaled(grads, factor, norm=lambda gs: float(np.sqrt(sum(np.sum(g * g) for g in gs)))):
    n = norm(grads)
    return [g * factor(n) for g in grads], float(np.sqrt(sum(np.sum(g * g) for g in grads)))


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)


def test_a_mistake_that_agrees_on_the_failing_case_alone_gives_no_hint():
    """Swapped labels answer the trace's way on some matrix, but not on the others: no mistake's hint."""
    swap = {"vanishing": "exploding", "exploding": "vanishing", "neutral": "neutral"}
    res = run(lambda W_hh, tol=1e-6: swap[_regime(_rho(W_hh), tol)], "gradient_regime")
    assert res.status == "failed" and res.hint == "", res.hint
