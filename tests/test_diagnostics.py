"""vgrad.diagnostics, vgrad.train and vgrad.data: the measurements notebook 02 relies on."""
import numpy as np
import pytest

from vgrad import data, diagnostics, nn
from vgrad.exercises.ch02 import MYSTERY_ANSWERS, mystery_runs
from vgrad.train import accuracy, digits_run, train


@pytest.fixture(scope="module")
def digits():
    return data.digits()


def test_digits_shipped_offline():
    x, y = data.digits(standardize=False)
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16 and set(np.unique(y)) == set(range(10))
    xs, _ = data.digits()
    varying = xs.std(axis=0) > 0
    assert np.allclose(xs.mean(axis=0), 0, atol=1e-12) and np.allclose(xs.std(axis=0)[varying], 1)
    a, b, c, d = data.digits(test_fraction=0.2, seed=3)
    assert len(a) + len(c) == 1797 and len(c) == 359
    assert np.array_equal(a, data.digits(test_fraction=0.2, seed=3)[0])
    with pytest.raises(ValueError):
        data.digits(test_fraction=1.0)


def test_spirals_reward_depth():
    x, y = data.spirals()

    def fit(sizes):
        net = nn.MLP(sizes, activation="tanh", seed=0)
        train(net, x, y, optimizer=nn.Adam(lr=1e-2), steps=3000, batch_size=64, seed=0)
        return accuracy(net, x, y)

    wide_shallow, narrow_deep = fit([2, 48, 2]), fit([2, 8, 8, 8, 2])  # 242 and 186 parameters
    assert wide_shallow < 0.9 < 0.97 < narrow_deep


def test_spirals_are_seeded_and_balanced():
    x, y = data.spirals(200, seed=1)
    assert x.shape == (200, 2) and np.bincount(y).tolist() == [100, 100]
    assert np.array_equal(x, data.spirals(200, seed=1)[0])
    assert not np.array_equal(x, data.spirals(200, seed=2)[0])
    assert np.array_equal(data.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])


def test_layer_grad_norms_matches_a_manual_pass_and_leaves_the_net_alone(digits):
    x, y = digits[0][:50], digits[1][:50]
    net = nn.MLP([64, 16, 16, 10], activation="tanh", seed=2)
    net.forward(x[:3])  # some earlier state that must survive
    state = [(l.W.copy(), l.b.copy(), l.dW.copy(), l.cache.copy()) for l in net.layers]
    g = diagnostics.layer_grad_norms(net, x, y, loss="cross_entropy")
    assert g.shape == (3,) and g.dtype == np.float64
    for layer, (W, b, dW, cache) in zip(net.layers, state):
        assert np.array_equal(layer.W, W) and np.array_equal(layer.b, b)
        assert np.array_equal(layer.dW, dW) and np.array_equal(layer.cache, cache)
    _, d = nn.softmax_cross_entropy(net.forward(x), y)
    net.backward(d)
    assert np.allclose(g, [np.linalg.norm(l.dW) for l in net.layers], rtol=1e-12)
    mse = diagnostics.layer_grad_norms(net, x, data.one_hot(y, 10))  # loss="mse" by default
    assert mse.shape == (3,) and not np.allclose(mse, g)
    with pytest.raises(ValueError, match="cross_entropy"):
        diagnostics.layer_grad_norms(net, x, y, loss="hinge")


def test_backward_keeps_the_backpropagated_signal():
    net = nn.MLP([4, 5, 3], activation="sigmoid", seed=0)
    x = np.random.default_rng(0).normal(size=(6, 4))
    dout = np.ones((6, 3))
    net.forward(x)
    net.backward(dout)
    assert [d.shape for d in net.deltas] == [(6, 5), (6, 3)]
    assert np.allclose(net.deltas[0], (dout @ net.layers[1].W.T) * nn.sigmoid_grad(net.pre_activations[0]))


def test_layer_stats_saturation_and_dead_units():
    net = nn.MLP([2, 4, 1], activation="relu", seed=0)
    net.layers[0].W[:] = 0
    net.layers[0].b[:] = [1.0, -1.0, -1.0, 1.0]  # units 2 and 3 never fire
    net.forward(np.ones((5, 2)))
    net.backward(np.ones((5, 1)))
    s = diagnostics.layer_stats(net)
    assert s["dead"].tolist() == [0.5] and s["saturated"].tolist() == [0.5]
    sig = nn.MLP([1, 3, 1], activation="sigmoid", seed=0)
    sig.layers[0].W[:] = 0
    sig.layers[0].b[:] = [0.0, 3.0, 10.0]  # sigma'(10) = 4.5e-5 < 0.025, sigma'(3) = 0.045
    sig.forward(np.ones((2, 1)))
    sig.backward(np.ones((2, 1)))
    s = diagnostics.layer_stats(sig)
    assert s["saturated"][0] == pytest.approx(1 / 3) and s["dead"][0] == 0
    assert s["act_mean"][0] == pytest.approx(np.mean(nn.sigmoid(np.array([0.0, 3.0, 10.0]))))


def test_recorder_update_ratio_and_distance_are_exact(digits):
    x, y = digits
    net = nn.MLP([64, 8, 10], activation="sigmoid", seed=0)
    W0 = [l.W.copy() for l in net.layers]
    h = train(net, x, y, optimizer=nn.SGD(lr=0.5), steps=3, batch_size=32, seed=0, record_every=2)
    assert len(h.loss) == len(h.grad_norms) == len(h.update_ratios) == 3
    assert h.record_steps == [0, 2] and len(h.distance) == 2 and h.distance[0] == [0.0, 0.0]
    # plain SGD: the step is -lr * dW, so the ratio is lr * ||dW|| / ||W before||
    net2 = nn.MLP([64, 8, 10], activation="sigmoid", seed=0)
    rng = np.random.default_rng(0)
    batch = rng.choice(len(x), size=32, replace=False)
    _, d = nn.softmax_cross_entropy(net2.forward(x[batch]), y[batch])
    net2.backward(d)
    expected = [0.5 * np.linalg.norm(l.dW) / np.linalg.norm(w) for l, w in zip(net2.layers, W0)]
    assert np.allclose(h.update_ratios[0], expected, rtol=1e-10)
    assert np.allclose(h.grad_norms[0], [np.linalg.norm(l.dW) for l in net2.layers])
    final = [np.linalg.norm(l.W - w) / np.linalg.norm(w) for l, w in zip(net.layers, W0)]
    assert all(0 < f for f in final)


def test_training_stops_and_reports_a_non_finite_loss(digits):
    x, y = digits
    net = nn.MLP([64, 32, 32, 32, 10], activation="relu", init=2.0, seed=0)
    h = train(net, x, y, optimizer=nn.SGD(lr=1.0, momentum=0.9), steps=50, seed=0)
    assert h.diverged_at is not None and len(h.loss) == h.diverged_at + 1
    assert not (np.isfinite(h.loss[-1]) and np.all(np.isfinite(h.grad_norms[-1])))
    assert diagnostics.diagnose(h).verdict == "exploding"


def test_diagnose_names_each_mystery_run():
    runs = mystery_runs()
    for name, history in runs.items():
        d = diagnostics.diagnose(history)
        assert d.verdict == MYSTERY_ANSWERS[name], f"run {name}:\n{d}"
        assert str(d).startswith("Verdict: ") and len(d.evidence) >= 2
        assert f"{len(history.grad_norms[0]):5d}" in diagnostics.summary(history)


def test_diagnose_thresholds_on_made_up_histories():
    def history(grads, ups, dead=None, act="sigmoid"):
        h = diagnostics.History(activation=act, every=1)
        h.loss = [2.3] * len(grads)
        h.grad_norms, h.update_ratios = grads, ups
        if dead is not None:
            h.record_steps = list(range(len(grads)))
            h.stats = [{"dead": np.array(dead), "saturated": np.array(dead)} for _ in grads]
        return h

    healthy = history([[0.1, 0.2]] * 10, [[1e-3, 1e-3]] * 10, dead=[0.0])
    assert diagnostics.diagnose(healthy).verdict == "healthy"
    assert diagnostics.diagnose(history([[1e-4, 0.2]] * 10, [[1e-3, 1e-3]] * 10)).verdict == "vanishing"
    assert diagnostics.diagnose(history([[0.1, 0.2]] * 10, [[1e-7, 1e-3]] * 10)).verdict == "vanishing"
    assert diagnostics.diagnose(history([[50.0, 0.2]] * 10, [[1e-3, 1e-3]] * 10)).verdict == "exploding"
    assert diagnostics.diagnose(history([[0.1, 0.2]] * 10, [[0.5, 1e-3]] * 10)).verdict == "exploding"
    assert diagnostics.diagnose(history([[0.1, 0.2]] * 10, [[1e-3, 1e-3]] * 10, dead=[0.8], act="relu")).verdict == "dead units"
    with pytest.raises(ValueError, match="empty"):
        diagnostics.diagnose(diagnostics.History(activation="relu", every=1))


#: Runs built for each verdict (200 steps of SGD on the digits): name -> (what diagnose must say on every seed, a
#: phrase its source or evidence must hold, the run). Among them the look-alikes of vanishing that an earlier
#: diagnose confused with it, or called healthy.
BUILT_RUNS = {
    "lr 1e-5": ("learning rate too small", "healthy size",
                dict(sizes=[64] + [32] * 6 + [10], activation="relu", init="he_normal", lr=1e-5)),
    "30 ReLU layers, Xavier": ("vanishing", "the signal shrinks", dict(sizes=[64] + [64] * 30 + [10], activation="relu",
                                                                     init="xavier_normal", lr=0.01, momentum=0.0)),
    "20 sigmoid layers, std 2": ("vanishing", "saturation",
                                 dict(sizes=[64] + [32] * 20 + [10], activation="sigmoid", init=2.0, lr=0.1, momentum=0.0)),
    "20 tanh layers, sigma_w 2.5": ("exploding", "chaotic phase", dict(sizes=[64] + [32] * 20 + [10], activation="tanh",
                                                                     init=2.5 / np.sqrt(32), lr=0.01)),
    "tanh, lr 1": ("learning rate too large", "rose again",
                   dict(sizes=[64] + [32] * 6 + [10], activation="tanh", init="xavier_normal", lr=1.0)),
    "ELU, lr 0.3": ("not sure", "never fire", dict(sizes=[64] + [32] * 6 + [10], activation="elu", init="he_normal",
                                                   lr=0.3)),
    "tanh, lr 0.05": ("healthy", "within a factor",
                      dict(sizes=[64] + [32] * 6 + [10], activation="tanh", init="xavier_normal", lr=0.05)),
    "tanh 3x64, lr 2": ("healthy", "within a factor",  # well trained, and most units saturated: not chaos
                        dict(sizes=[64] + [64] * 3 + [10], activation="tanh", init="xavier_normal", lr=2.0, momentum=0.0)),
}


def _built(cfg, seed):
    with np.errstate(all="ignore"):
        history, _ = digits_run(cfg["sizes"], cfg["activation"], cfg["init"], seed=seed, steps=200, lr=cfg["lr"],
                                momentum=cfg.get("momentum", 0.9))
    return history


@pytest.mark.parametrize("name", list(BUILT_RUNS))
def test_diagnose_names_each_built_run_on_every_seed(name):
    verdict, phrase, cfg = BUILT_RUNS[name]
    for seed in (0, 1, 2):
        d = diagnostics.diagnose(_built(cfg, seed))
        assert d.verdict == verdict and phrase in str(d), f"seed {seed}:\n{d}"
        if verdict == "not sure":
            assert d.candidates == ("dead units", "learning rate too large")


def test_diagnose_reads_plain_numbers_from_any_framework():
    history = _built(BUILT_RUNS["lr 1e-5"][2], 0)
    full = {"loss": history.loss, "grad_norms": history.grad_norms, "update_ratios": history.update_ratios,
            "weight_norms": history.weight_norms, "activation": "relu",
            **{k: history.stat(k) for k in ("dead", "saturated", "act_std")}}
    assert diagnostics.diagnose(full).verdict == diagnostics.diagnose(history).verdict == "learning rate too small"
    bare = {"loss": [2.3] * 10, "grad_norms": [[1e-6, 0.2]] * 10}  # only what every framework gives
    assert diagnostics.diagnose(bare).verdict == "vanishing"
    nan = {"loss": [2.3, 2.2, float("nan")], "grad_norms": [[0.1, 0.2]] * 3}
    assert diagnostics.diagnose(nan).verdict == "exploding" and "at step 2" in str(diagnostics.diagnose(nan))
    with pytest.raises(ValueError, match="grad_norms must be a table of 10 x"):
        diagnostics.diagnose({"loss": [2.3] * 10, "grad_norms": [[0.1, 0.2]] * 9})
    with pytest.raises(ValueError, match="'loss'"):
        diagnostics.diagnose({"grad_norms": [[0.1]]})


@pytest.mark.parametrize("run, message", [
    ({"loss": [], "grad_norms": []}, "empty"),
    ({"loss": [2.3, 2.2], "grad_norms": [[0.1, 0.2], [0.1]]}, "grad_norms must be a table"),
    ({"loss": [2.3, None], "grad_norms": [[0.1, 0.2]] * 2}, "loss must be a list of numbers"),
    ({"loss": ["tensor(2.3)"], "grad_norms": [[0.1, 0.2]]}, "loss must be a list of numbers"),
    ({"loss": 2.3, "grad_norms": [[0.1, 0.2]]}, "one per step"),
    ({"loss": [2.3] * 3, "grad_norms": [[0.1, 0.2]] * 3, "update_ratios": [1e-6] * 3}, "update_ratios must be a table"),
    ({"loss": [2.3] * 3, "grad_norms": [[0.1, 0.2]] * 3, "weight_norms": [[1.0] * 3]}, "weight_norms must be a table"),
    ({"loss": [2.3] * 3, "grad_norms": [[0.1, 0.2]] * 3, "dead": [0.9] * 3}, "dead must be a table"),
    ({"loss": [2.3] * 3, "grad_norms": [[0.1, 0.2]] * 3, "dead": [[10]] * 3}, "fractions between 0 and 1"),
    ({"loss": [2.3] * 3, "grad_norms": [[-0.1, 0.2]] * 3}, "none can be negative"),
    ({"loss": [2.3] * 3, "grad_norms": [[0.1, 0.2]] * 3, "activation": "sigmiod"}, "unknown activation"),
])
def test_diagnose_explains_bad_plain_numbers(run, message):
    with pytest.raises(ValueError, match=message):
        diagnostics.diagnose(run)


@pytest.mark.parametrize("window", [0, -3, 2.5, "5", True])
def test_diagnose_wants_a_whole_window(window):
    with pytest.raises(ValueError, match="window"):
        diagnostics.diagnose({"loss": [2.3] * 10, "grad_norms": [[0.1, 0.2]] * 10}, window=window)


def test_diagnose_reads_activation_names_in_any_case():
    run = {"loss": [2.3] * 10, "grad_norms": [[0.1, 0.2]] * 10, "activation": "Sigmoid"}
    assert diagnostics.diagnose(run).verdict == "healthy"


def test_accuracy():
    net = nn.MLP([2, 2], seed=0)
    net.layers[0].W[:] = np.eye(2)
    assert accuracy(net, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1])) == pytest.approx(2 / 3)


# ---- the claims of notebook 02, reproduced outside the notebook --------------------------------

@pytest.fixture(scope="module")
def depth_runs(digits):
    x, y = digits
    nets = {d: nn.MLP([64] + [32] * d + [10], activation="sigmoid", seed=0) for d in (2, 10, 20)}
    at_init = {d: diagnostics.layer_grad_norms(n, x[:256], y[:256], loss="cross_entropy") for d, n in nets.items()}
    hist = {d: train(n, x, y, optimizer=nn.SGD(lr=0.1, momentum=0.9), steps=300, seed=0) for d, n in nets.items()}
    return nets, at_init, hist


def test_gradient_falls_towards_the_input_at_initialisation(depth_runs):
    _, at_init, _ = depth_runs
    for g in at_init.values():
        assert np.all(np.diff(np.log(g)) > 0), "every layer gets more gradient than the one below it"
    # 10 sigmoid layers at <= 1/4 each with gain ~1: (1/4)^10 ~ 1e-6, times 100 for input sizes and spread
    assert at_init[10][0] / at_init[10][-1] < 1e-4
    assert at_init[20][0] / at_init[20][-1] < 1e-10


def test_deeper_ends_worse_with_the_same_budget(depth_runs, digits):
    nets, _, hist = depth_runs
    x, y = digits
    assert accuracy(nets[2], x, y) > 0.9
    for d in (10, 20):
        assert accuracy(nets[d], x, y) < 0.2
        assert abs(np.mean(hist[d].loss[-20:]) - np.log(10)) < 0.05  # stuck at guessing


def test_first_and_middle_layers_are_starved(depth_runs):
    _, _, hist = depth_runs
    assert hist[2].distance[-1][0] > 0.5
    assert hist[10].distance[-1][0] < 1e-3 < hist[10].distance[-1][-1]
    g20 = np.array(hist[20].grad_norms[-20:]).mean(axis=0)
    assert g20[len(g20) // 2] / g20[-1] < 1e-3
    assert np.median(np.array(hist[10].update_ratios[-50:]), axis=0)[0] < 1e-5
    assert diagnostics.diagnose(hist[10]).verdict == "vanishing"
    assert diagnostics.diagnose(hist[2]).verdict == "healthy"
