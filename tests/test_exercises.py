"""The exercise registry and the in-notebook check: right answers pass, wrong ones fail kindly."""
import numpy as np
import pytest

from vgrad import theory
from vgrad.exercises import EXERCISES, check, ready, run
from vgrad.nn import sigmoid, softmax_cross_entropy

from test_exercise_inputs import name_the_problems as solution_rules


def sigmoid_prime(x):
    s = sigmoid(x)
    return s * (1 - s)


def chain_bound(n, w):
    return (abs(w) / 4) ** n


def depth_below(threshold, w=1.0):
    if abs(w) >= 4:
        return None
    n = 1
    while (abs(w) / 4) ** n >= threshold:
        n += 1
    return n


def chain_product(factors):
    out = 1.0
    for f in factors:
        out *= f
    return out


def grad_norms(net, x, y):
    _, d = softmax_cross_entropy(net.forward(x), y)
    net.backward(d)
    return np.array([np.sqrt(np.sum(layer.dW ** 2)) for layer in net.layers])


def update_ratios(before, after):
    return np.array([np.sqrt(np.sum((a - b) ** 2) / np.sum(b ** 2)) for b, a in zip(before, after)])


def name_the_problems(runs):  # the solution's rules, labels in any case, with stray spaces: still right
    return {k: {"exploding": "Exploding", "dead units": "dead units "}.get(v, v) for k, v in solution_rules(runs).items()}


CORRECT = {f.__name__: f for f in (sigmoid_prime, chain_bound, depth_below, chain_product,
                                   grad_norms, update_ratios, name_the_problems)}

WRONG = {
    "sigmoid_prime": lambda x: sigmoid(x),
    "chain_bound": lambda n, w: (w / 4) ** n,  # forgets |w|
    "depth_below": lambda t, w=1.0: None if abs(w) >= 4 else int(np.log(t) / np.log(abs(w) / 4)),  # off by one
    "chain_product": lambda f: sum(f),
    "grad_norms": lambda net, x, y: grad_norms(net, x, y)[::-1],  # output side first
    "update_ratios": lambda before, after: np.array([np.linalg.norm(a - b) for b, a in zip(before, after)]),
    "name_the_problems": lambda runs: {k: "vanishing" for k in runs},
}


def test_every_exercise_has_a_correct_and_a_wrong_answer_here():
    later = {"leaky_relu", "leaky_relu_grad", "elu", "count_dead_units",  # tested further down
             "he_normal", "xavier_uniform", "gain", "predict_gradients",
             "batchnorm_forward", "batchnorm_backward", "batchnorm_eval",
             "residual_backward", "stack_jacobian", "branch_scale",
             "clip_by_norm", "jacobian_norm", "gradient_regime", "lstm_step", "gru_step", "cell_path_gradient"}
    later |= {name for name, ex in EXERCISES.items() if ex.notebook == "09_capstone_diagnosis"}  # test_mutants_09
    assert set(EXERCISES) - later == set(CORRECT) == set(WRONG)


@pytest.mark.parametrize("name", sorted(CORRECT))
@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_correct_answers_pass_for_any_seed(name, seed):
    res = run(CORRECT[name], name, seed=seed)
    assert res.status == "passed", res.message
    assert res.points == EXERCISES[name].points > 0


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answers_fail(name):
    res = run(WRONG[name], name)
    assert res.status == "failed", res.message
    assert res.points == 0
    assert "expected" in res.message or "wrongly" in res.message


def test_the_references_match_the_exercises_own_cases():
    for ex in EXERCISES.values():
        for case in ex.cases(np.random.default_rng(0)):
            assert ex.compare(ex.reference(*case.args, **case.kwargs), ex.reference(*case.args, **case.kwargs)) is None


def test_not_attempted(capsys):
    def sigmoid_prime(x):
        # YOUR CODE HERE
        raise NotImplementedError()

    check(sigmoid_prime)
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "Traceback" not in out
    assert not ready(sigmoid_prime)
    assert "finish Exercise 1.1" in capsys.readouterr().out


def test_a_crash_in_learner_code_is_reported_without_traceback(capsys):
    def chain_bound(n, w):
        return n / 0

    check(chain_bound)
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "Traceback" not in out
    assert "line" in out and "Hint 1/" in out
    check(chain_bound)
    assert "Hint 2/" in capsys.readouterr().out


def test_an_infinite_loop_is_stopped(capsys):
    def depth_below(threshold, w=1.0):
        n = 1
        while (abs(w) / 4) ** n >= threshold:  # never ends for |w| >= 4
            n += 1
        return n

    res = run(depth_below, time_limit=0.5)
    assert res.status == "timeout" and "did not return" in res.message


def test_sys_exit_and_keyboard_interrupt_are_caught():
    def chain_product(factors):
        raise SystemExit(3)

    assert run(chain_product).status == "error"

    def chain_product(factors):  # noqa: F811
        raise KeyboardInterrupt

    assert run(chain_product).status == "error"


def test_the_course_own_implementation_earns_nothing():
    res = run(theory.depth_below)
    assert res.status == "not_own_work" and res.points == 0


def test_wrong_shapes_and_types_get_specific_messages():
    assert "shape (1,), got an array of shape (3,)" in run(lambda x: np.zeros(3), "sigmoid_prime").message
    assert "return" in run(lambda n, w: None, "chain_bound").message
    assert "finite" in run(lambda n, w: float("inf"), "chain_bound").message
    assert "expected a number" in run(lambda n, w: "0.1", "chain_bound").message


def test_unknown_exercise_and_non_function(capsys):
    def sigmoid_primes(x):
        return x

    check(sigmoid_primes)
    assert "no exercise called 'sigmoid_primes'" in capsys.readouterr().out
    check(42)
    assert "expects your function" in capsys.readouterr().out


def test_learner_inputs_are_copies():
    def sigmoid_prime(x):
        s = sigmoid(x)
        x[...] = 0  # vandalises its argument
        return s * (1 - s)

    assert run(sigmoid_prime).status == "passed"


def test_every_exercise_belongs_to_an_existing_solution_notebook():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "solutions"
    for ex in EXERCISES.values():
        nb = root / f"{ex.notebook}.ipynb"
        assert nb.exists(), f"{ex.name}: {nb} is missing"
        text = nb.read_text()
        assert f"def {ex.name}(" in text and f"check({ex.name})" in text


def test_a_result_that_cannot_be_compared_fails_cleanly():
    class Weird:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no")

        def __repr__(self):
            raise RuntimeError("no repr either")

    res = run(lambda n, w: Weird(), "chain_bound")
    assert res.status == "failed" and res.points == 0 and "could not be read" in res.message


def test_name_the_problems_rejects_unknown_labels():
    res = run(lambda runs: {k: "dead" for k in runs}, "name_the_problems")
    assert res.status == "failed" and "must be one of" in res.message
    res = run(lambda runs: ["dead units"], "name_the_problems")
    assert res.status == "failed" and "dict" in res.message


def test_notebook_03_exercises():
    right = {
        "leaky_relu": lambda a, alpha=0.01: np.where(a > 0, a, alpha * a),
        "leaky_relu_grad": lambda a, alpha=0.01: np.where(a > 0, 1.0, alpha),
        "elu": lambda a, alpha=1.0: np.where(a > 0, a, alpha * (np.exp(np.minimum(a, 0)) - 1)),
        "count_dead_units": lambda p: int((p <= 0).all(axis=0).sum()),
    }
    wrong = {
        "leaky_relu": lambda a, alpha=0.01: np.where(a > 0, a, 0.01 * a),  # ignores alpha
        "leaky_relu_grad": lambda a, alpha=0.01: a > 0,  # booleans, and 0 instead of alpha
        "elu": lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.exp(np.minimum(a, 0)) - 1),  # alpha misplaced
        "count_dead_units": lambda p: int((p < 0).all(axis=0).sum()),  # misses units stuck at exactly 0
    }
    for name in right:
        assert run(right[name], name, seed=5).status == "passed", name
        assert run(wrong[name], name, seed=5).status == "failed", name
    naive_elu = lambda a, alpha=1.0: np.where(a > 0, a, alpha * (np.exp(a) - 1))  # right values, overflows at 1000
    res = run(naive_elu, "elu", seed=5)
    assert res.status == "failed" and "overflow" in res.message and "BOTH branches" in res.hint, res.message


def test_notebook_04_exercises():
    from vgrad import theory as th

    def gain(phi):
        z = np.linspace(-10, 10, 200001)
        return 1 / np.sqrt(np.sum(phi(z) ** 2 * np.exp(-z * z / 2)) * (z[1] - z[0]) / np.sqrt(2 * np.pi))

    right = {
        "he_normal": lambda fi, fo, rng: rng.normal(0, np.sqrt(2 / fi), size=(fi, fo)),
        "xavier_uniform": lambda fi, fo, rng: rng.uniform(-np.sqrt(6 / (fi + fo)), np.sqrt(6 / (fi + fo)), size=(fi, fo)),
        "gain": gain,
        "predict_gradients": lambda a, sw, sb=0.0: (lambda c: "critical" if abs(c - 1) <= 1e-6 else
                                                     "vanishing" if c < 1 else "exploding")(th.chi1(a, sw, sb)),
    }
    wrong = {
        "he_normal": lambda fi, fo, rng: rng.normal(0, np.sqrt(1 / fi), size=(fi, fo)),  # LeCun, not He
        "xavier_uniform": lambda fi, fo, rng: rng.normal(0, np.sqrt(2 / (fi + fo)), size=(fi, fo)),  # normal
        "gain": lambda phi: 1.0,
        "predict_gradients": lambda a, sw, sb=0.0: "vanishing" if sw < 1 else "exploding",  # ignores the activation
    }
    for name in right:
        assert run(right[name], name, seed=3).status == "passed", name
        assert run(wrong[name], name, seed=3).status == "failed", name


def test_notebook_05_exercises():
    def forward(x, gamma, beta, eps=1e-5):
        return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta

    def backward(dout, x, gamma, eps=1e-5):
        n, inv = len(x), 1 / np.sqrt(x.var(0) + eps)
        xh = (x - x.mean(0)) * inv
        dxh = dout * gamma
        return inv / n * (n * dxh - dxh.sum(0) - xh * (dxh * xh).sum(0)), (dout * xh).sum(0), dout.sum(0)

    right = {
        "batchnorm_forward": forward,
        "batchnorm_backward": backward,
        "batchnorm_eval": lambda x, g, b, m, v, eps=1e-5: g * (x - m) / np.sqrt(v + eps) + b,
    }
    wrong = {
        "batchnorm_forward": lambda x, g, b, eps=1e-5: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
        "batchnorm_backward": lambda dout, x, g, eps=1e-5: (dout * g / np.sqrt(x.var(0) + eps),) + backward(dout, x, g)[1:],
        "batchnorm_eval": lambda x, g, b, m, v, eps=1e-5: forward(x, g, b) if len(x) > 1 else x,  # batch statistics
    }
    for name in right:
        assert run(right[name], name, seed=9).status == "passed", name
        assert run(wrong[name], name, seed=9).status == "failed", name


def test_notebook_06_exercises():
    def backward(dy, x, W, b, s):
        d = s * dy
        return dy + (d @ W.T) * (x > 0), np.maximum(x, 0).T @ d, d.sum(0)

    def stack(js):
        out = np.eye(len(js[0]))
        for J in js:
            out = (np.eye(len(J)) + J) @ out
        return out

    right = {"residual_backward": backward, "stack_jacobian": stack,
             "branch_scale": lambda L: (2 ** (1 / L) - 1) ** 0.5}
    wrong = {
        "residual_backward": lambda dy, x, W, b, s: ((s * dy @ W.T) * (x > 0),) + backward(dy, x, W, b, s)[1:],  # no skip
        "stack_jacobian": lambda js: stack(js[::-1]) if len(js) > 2 else stack(js) + 1,  # wrong order
        "branch_scale": lambda L: 1 / L ** 0.5,
    }
    for name in right:
        assert run(right[name], name, seed=2).status == "passed", name
        assert run(wrong[name], name, seed=2).status == "failed", name


def test_notebook_07_exercises():
    def clip(grads, max_norm):
        norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        return [g * min(1.0, max_norm / norm) for g in grads], norm

    def jac(W, a, lag, transpose=True):
        J = np.eye(len(W))
        for a_k in a[len(a) - lag:]:
            J = np.diag(1 - np.tanh(a_k) ** 2) @ (W.T if transpose else W) @ J
        return float(np.linalg.norm(J, 2))

    def regime(W, tol=1e-6, measure=lambda W: np.max(np.abs(np.linalg.eigvals(W)))):
        rho = measure(W)
        return "vanishing" if rho < 1 - tol else "exploding" if rho > 1 + tol else "neutral"

    right = {"clip_by_norm": clip, "jacobian_norm": jac, "gradient_regime": regime}
    wrong = {
        "clip_by_norm": lambda grads, m: ([g * min(1.0, m / np.linalg.norm(g)) for g in grads],  # clips each alone
                                          clip(grads, m)[1]),
        "jacobian_norm": lambda W, a, lag: jac(W, a, lag, transpose=False),  # W instead of W^T
        "gradient_regime": lambda W, tol=1e-6: regime(W, tol, measure=lambda W: np.linalg.norm(W, 2)),  # sigma_max
    }
    for name in right:
        assert run(right[name], name, seed=3).status == "passed", name
        assert run(wrong[name], name, seed=3).status == "failed", name
    no_norm = run(lambda grads, m: clip(grads, m)[0], "clip_by_norm", seed=3)  # forgets the norm
    assert no_norm.status == "failed" and "tuple" in no_norm.message


def test_notebook_08_exercises():
    from vgrad.exercises import ch08

    def lstm_ifgo(x, h, c, Wx, Wh, b):  # reads the blocks as i, f, g, o: a common slip
        H = Wh.shape[0]
        z = x @ Wx + h @ Wh + b
        i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
        c = f * c + i * g
        return o * np.tanh(c), c

    def gru_reset_outside(x, h, Wx, Wh, bx, bh):  # r applied to the bias-free product only
        H = Wh.shape[0]
        xz, hz = x @ Wx + bx, h @ Wh
        z = sigmoid(xz[:, :H] + hz[:, :H] + bh[:H])
        r = sigmoid(xz[:, H:2 * H] + hz[:, H:2 * H] + bh[H:2 * H])
        n = np.tanh(xz[:, 2 * H:] + r * hz[:, 2 * H:] + bh[2 * H:])
        return (1 - z) * n + z * h

    def lstm(x, h, c, Wx, Wh, b):
        z = x @ Wx + h @ Wh + b
        i, f, o, g = np.split(z, 4, axis=1)
        c = 1 / (1 + np.exp(-f)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
        return np.tanh(c) / (1 + np.exp(-o)), c

    def gru(x, h, Wx, Wh, bx, bh):
        (xz, xr, xn), (hz, hr, hn) = np.split(x @ Wx + bx, 3, axis=1), np.split(h @ Wh + bh, 3, axis=1)
        z, r = 1 / (1 + np.exp(-(xz + hz))), 1 / (1 + np.exp(-(xr + hr)))
        return (1 - z) * np.tanh(xn + r * hn) + z * h

    right = {"lstm_step": lstm, "gru_step": gru, "cell_path_gradient": lambda f, lag: np.prod(f[len(f) - lag:], axis=0)}
    wrong = {"lstm_step": lstm_ifgo, "gru_step": gru_reset_outside,
             "cell_path_gradient": lambda f, lag: np.prod(f[-lag:], axis=0)}  # f[-0:] is all of f
    for name in right:
        assert run(right[name], name, seed=4).status == "passed", name
        assert run(wrong[name], name, seed=4).status == "failed", name
    assert run(ch08._lstm_step, "lstm_step", seed=4).status != "passed"  # the course's own answer earns nothing


def test_step_references_reproduce_the_recurrent_layers():
    from vgrad.exercises import ch07, ch08
    from vgrad.nn import GRU, LSTM, RNN

    xs = np.random.default_rng(0).normal(size=(3, 7, 2))
    lstm, gru = LSTM(2, 4, forget_bias=1.0, input_bias=-0.5, seed=1), GRU(2, 4, update_bias=0.5, seed=1)
    h, c, hg = np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((3, 4))
    for t in range(7):
        h, c = ch08._lstm_step(xs[:, t], h, c, lstm.Wx, lstm.Wh, lstm.b)
        hg = ch08._gru_step(xs[:, t], hg, gru.Wx, gru.Wh, gru.bx, gru.bh)
    assert np.allclose(h, lstm.forward(xs)[:, -1], atol=1e-14) and np.allclose(hg, gru.forward(xs)[:, -1], atol=1e-14)

    rnn = RNN(2, 4, seed=2)  # the Jacobian reference bounds what BPTT carries back, and reaches it
    out = rnn.forward(xs[:1])
    a = rnn.cache[2][0]
    J = np.eye(4)
    for a_k in a[1:]:
        J = np.diag(1 - np.tanh(a_k) ** 2) @ rnn.Wh.T @ J
    u, s, vt = np.linalg.svd(J)
    dh = np.zeros_like(out)
    dh[0, -1] = u[:, 0]  # the top left singular vector of dh_T/dh_1 is the gradient it amplifies most
    rnn.backward(dh)
    assert np.linalg.norm(rnn.dh_total[0, 0]) == pytest.approx(ch07._jacobian_norm(rnn.Wh, a, 6), rel=1e-10)
