"""vgrad.nn: every backward pass against finite differences, stability, and clear errors."""
import warnings

import numpy as np
import pytest

from vgrad import nn
from vgrad.gradcheck import check_gradient, numerical_gradient, relative_error

ACTS = ["sigmoid", "tanh", "relu", "linear", "leaky_relu", "elu", "gelu", "gelu_tanh"]


@pytest.mark.parametrize("name", ACTS)
def test_activation_derivative_matches_finite_differences(name):
    act = nn.get_activation(name)
    # keep away from relu's kink at 0, where the derivative is not defined
    a = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5, 7.0])
    numeric = (act.f(a + 1e-6) - act.f(a - 1e-6)) / 2e-6
    assert relative_error(act.df(a), numeric) < 1e-7


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_activations_are_stable_at_1000(name, dtype):
    act = nn.get_activation(name)
    a = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, dy = act.f(a), act.df(a)
    assert np.all(np.isfinite(y[1:4])) and np.all(np.isfinite(dy))
    assert y.dtype == dtype and dy.dtype == dtype


def test_sigmoid_values_and_tails():
    assert nn.sigmoid(np.array(0.0)) == 0.5
    assert nn.sigmoid(np.array(1000.0)) == 1.0 and nn.sigmoid(np.array(-1000.0)) == 0.0
    assert nn.sigmoid_grad(np.array(0.0)) == 0.25
    # the tail keeps its true size instead of rounding to 0 (s * (1 - s) gives 0 here)
    assert nn.sigmoid_grad(np.array(40.0)) == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert nn.tanh_grad(np.array(20.0)) == pytest.approx(4 * np.exp(-40.0), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_in_place_gives_the_same_values(dtype):
    a = np.linspace(-800, 800, 101).astype(dtype)
    want = nn.sigmoid(a)
    got = nn.sigmoid(a, out=a)
    assert got is a and np.array_equal(a, want) and a.dtype == dtype


def test_unknown_activation_lists_choices():
    with pytest.raises(ValueError, match="sigmoid"):
        nn.get_activation("softplus2")


@pytest.mark.parametrize("init,var", [
    ("xavier_normal", 2 / (300 + 200)), ("xavier_uniform", 2 / (300 + 200)),
    ("he_normal", 2 / 300), ("he_uniform", 2 / 300), (0.05, 0.05**2),
])
def test_initializer_variances(init, var):
    w = nn.init_weights(init, 300, 200, np.random.default_rng(1))
    assert w.shape == (300, 200)
    assert np.var(w) == pytest.approx(var, rel=0.03)
    assert abs(np.mean(w)) < 3 * np.sqrt(var / w.size)


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (40, 40)])
def test_orthogonal_init(shape):
    w = nn.init_weights("orthogonal", *shape, np.random.default_rng(0))
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    assert np.allclose(gram, np.eye(small), atol=1e-12)


def test_bad_init_is_a_clear_error():
    with pytest.raises(ValueError, match="he_normal"):
        nn.init_weights("kaiming", 3, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=">= 0"):
        nn.init_weights(-1.0, 3, 3, np.random.default_rng(0))


def test_dense_backward_gradcheck():
    rng = np.random.default_rng(0)
    layer = nn.Dense(4, 3, rng=rng)
    layer.b[:] = rng.normal(size=3)
    x = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))  # loss = sum(g * y)
    loss = lambda: float(np.sum(g * layer.forward(x)))
    layer.forward(x)
    dx = layer.backward(g)
    assert check_gradient(loss, x, dx) < 1e-8
    assert check_gradient(loss, layer.W, layer.dW) < 1e-8
    assert check_gradient(loss, layer.b, layer.db) < 1e-8


def test_dense_shape_errors():
    layer = nn.Dense(4, 3)
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        layer.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="forward before backward"):
        layer.backward(np.zeros((2, 3)))
    layer.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        layer.backward(np.zeros((2, 4)))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "gelu_tanh"])
@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy"])
def test_mlp_backward_gradcheck(activation, loss_name):
    rng = np.random.default_rng(3)
    net = nn.MLP([5, 7, 6, 3], activation=activation, init="xavier_normal", seed=1)
    for layer in net.layers:
        layer.b[:] = rng.normal(scale=0.5, size=layer.b.shape)
    x = rng.normal(size=(8, 5))
    y = rng.normal(size=(8, 3)) if loss_name == "mse" else rng.integers(0, 3, size=8)
    loss_fn = nn.LOSSES[loss_name]

    def loss():
        return loss_fn(net.forward(x), y)[0]

    _, dout = loss_fn(net.forward(x), y)
    dx = net.backward(dout)
    assert check_gradient(loss, x, dx) < 1e-7
    for layer in net.layers:
        assert check_gradient(loss, layer.W, layer.dW) < 1e-7
        assert check_gradient(loss, layer.b, layer.db) < 1e-7


def test_mlp_api():
    net = nn.MLP([3, 4, 4, 2], activation="tanh", init=0.1, seed=7)
    assert [(l.W.shape, l.b.shape) for l in net.layers] == [((3, 4), (4,)), ((4, 4), (4,)), ((4, 2), (2,))]
    assert all(l.W.dtype == np.float64 for l in net.layers)
    out = net.forward(np.ones((6, 3)))
    assert out.shape == (6, 2)
    assert len(net.pre_activations) == len(net.activations) == 2
    # same seed, same network; another seed, another network
    assert np.array_equal(nn.MLP([3, 4, 2], seed=7).layers[0].W, nn.MLP([3, 4, 2], seed=7).layers[0].W)
    assert not np.array_equal(nn.MLP([3, 4, 2], seed=7).layers[0].W, nn.MLP([3, 4, 2], seed=8).layers[0].W)
    net32 = nn.MLP([3, 4, 2], dtype=np.float32)
    assert net32.forward(np.ones((2, 3))).dtype == np.float32


def test_mlp_last_layer_is_linear():
    net = nn.MLP([2, 3, 1], activation="sigmoid", seed=0)
    x = np.array([[0.3, -0.2]])
    h = nn.sigmoid(x @ net.layers[0].W + net.layers[0].b)
    assert np.allclose(net.forward(x), h @ net.layers[1].W + net.layers[1].b)


@pytest.mark.parametrize("kwargs,match", [
    (dict(sizes=[3]), "at least two"),
    (dict(sizes=[3, 0, 2]), "positive integers"),
    (dict(sizes="32"), "list"),
    (dict(sizes=[3, 2], activation="swish9"), "sigmoid"),
    (dict(sizes=[3, 2], init="glorot"), "xavier_normal"),
    (dict(sizes=[3, 2], dtype=np.int32), "floating"),
])
def test_mlp_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.MLP(**kwargs)


def test_mlp_wrong_input_shape():
    with pytest.raises(ValueError, match=r"\(batch, 3\); got \(4, 2\)"):
        nn.MLP([3, 2]).forward(np.zeros((4, 2)))


def test_losses_values():
    loss, d = nn.mse(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
    assert loss == pytest.approx(2.5) and np.allclose(d, [[1.0, 2.0]])
    logits = np.array([[0.0, 0.0], [1000.0, -1000.0]])
    loss, d = nn.softmax_cross_entropy(logits, np.array([0, 0]))
    assert loss == pytest.approx(np.log(2) / 2)
    assert np.all(np.isfinite(d))
    with pytest.raises(ValueError, match="labels"):
        nn.softmax_cross_entropy(logits, np.array([0, 2]))
    with pytest.raises(ValueError, match="same shape"):
        nn.mse(np.zeros((2, 1)), np.zeros((2,)))


@pytest.mark.parametrize("opt", [nn.SGD(lr=0.1, momentum=0.9), nn.Adam(lr=0.05)])
def test_optimisers_fit_a_small_regression(opt):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = np.sin(x[:, :1]) + 0.5 * x[:, 1:]
    net = nn.MLP([2, 16, 1], activation="tanh", seed=0)
    first = nn.mse(net.forward(x), y)[0]
    for _ in range(300):
        loss, d = nn.mse(net.forward(x), y)
        net.backward(d)
        opt.step(net.layers)
    assert loss < first / 10


def test_optimiser_updates_in_place():
    net = nn.MLP([2, 2], seed=0)
    W = net.layers[0].W
    net.backward(nn.mse(net.forward(np.ones((1, 2))), np.zeros((1, 2)))[1])
    nn.SGD(lr=0.1).step(net.layers)
    assert W is net.layers[0].W


def test_numerical_gradient_needs_a_float_array():
    with pytest.raises(ValueError, match="floating"):
        numerical_gradient(lambda: 0.0, np.arange(3))


def test_new_activations_values():
    a = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    assert np.allclose(nn.leaky_relu(a), [-0.02, -0.005, 0.0, 0.5, 3.0])
    assert np.allclose(nn.leaky_relu(a, alpha=0.2), [-0.4, -0.1, 0.0, 0.5, 3.0])
    assert np.allclose(nn.elu(a), [np.exp(-2) - 1, np.exp(-0.5) - 1, 0.0, 0.5, 3.0])
    # GELU(x) = x Phi(x): Phi(1) = 0.8413447460685429
    assert nn.gelu(np.array(1.0)) == pytest.approx(0.8413447460685429, rel=1e-14)
    assert nn.gelu(np.array(-1000.0)) == 0.0 and nn.gelu(np.array(1000.0)) == 1000.0
    assert np.max(np.abs(nn.gelu_tanh(a) - nn.gelu(a))) < 1e-3


def test_recommended_init():
    assert nn.recommended_init("tanh") == "xavier_normal" and nn.recommended_init("gelu") == "he_normal"
    assert set(nn.RECOMMENDED) == set(nn.ACTIVATIONS)
    with pytest.raises(ValueError, match="relu"):
        nn.recommended_init("swish")


@pytest.mark.parametrize("kind", ["batch", "layer"])
@pytest.mark.parametrize("training", [True, False])
def test_norm_layers_backward_gradcheck(kind, training):
    rng = np.random.default_rng(4)
    layer = nn.NORMS[kind](5)
    layer.gamma[:] = rng.normal(1.0, 0.3, size=5)
    layer.beta[:] = rng.normal(size=5)
    if kind == "batch":
        layer.running_mean[:] = rng.normal(size=5)
        layer.running_var[:] = rng.uniform(0.5, 2.0, size=5)
    layer.training = training
    x = rng.normal(2.0, 3.0, size=(7, 5))
    g = rng.normal(size=(7, 5))
    momentum = getattr(layer, "momentum", None)

    def loss():
        if kind == "batch":
            saved = (layer.running_mean.copy(), layer.running_var.copy())
            out = layer.forward(x)
            layer.running_mean, layer.running_var = saved  # finite differences must not move them
            return float(np.sum(g * out))
        return float(np.sum(g * layer.forward(x)))

    loss()
    dx = layer.backward(g)
    assert check_gradient(loss, x, dx) < 1e-7
    assert check_gradient(loss, layer.gamma, layer.dgamma) < 1e-7
    assert check_gradient(loss, layer.beta, layer.dbeta) < 1e-7
    assert momentum is None or momentum == 0.9


def test_batchnorm_statistics():
    bn = nn.BatchNorm(3)
    x = np.random.default_rng(0).normal(5.0, 2.0, size=(1000, 3))
    y = bn.forward(x)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12) and np.allclose(y.std(axis=0), 1, atol=1e-4)
    assert np.allclose(bn.running_mean, 0.1 * x.mean(axis=0))  # one step of momentum 0.9 from 0
    for _ in range(200):
        bn.forward(x)
    bn.training = False
    assert np.allclose(bn.forward(x).mean(axis=0), 0, atol=1e-3)  # running averages have converged
    assert np.array_equal(bn.forward(x[:1]), bn.forward(x[:2])[:1])  # eval: one sample alone is fine
    bn.training = True
    with pytest.raises(ValueError, match="at least 2"):
        bn.forward(x[:1])
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        bn.forward(np.zeros((4, 2)))


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_mlp_with_norm_gradcheck_and_modes(norm):
    rng = np.random.default_rng(5)
    net = nn.MLP([4, 6, 6, 3], activation="tanh", seed=2, norm=norm)
    assert len(net.norms) == 2 and len(net.trainable) == 5
    for n in net.norms:
        n.gamma[:] = rng.normal(1.0, 0.2, size=n.gamma.shape)
    x, y = rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)

    def loss():
        state = [(getattr(n, "running_mean", None), getattr(n, "running_var", None)) for n in net.norms]
        value = nn.softmax_cross_entropy(net.forward(x), y)[0]
        for n, (m, v) in zip(net.norms, state):
            if m is not None:
                n.running_mean, n.running_var = m, v
        return value

    _, d = nn.softmax_cross_entropy(net.forward(x), y)
    dx = net.backward(d)
    assert check_gradient(loss, x, dx) < 1e-7
    for i, layer in enumerate(net.trainable):
        for p in layer.params:
            if norm == "batch" and p == "b" and i < len(net.norms):
                # a bias right before batch norm is subtracted away with the batch mean: no gradient
                assert np.abs(layer.db).max() < 1e-12
                continue
            assert check_gradient(loss, getattr(layer, p), getattr(layer, "d" + p)) < 1e-7
    net.training = False
    assert not net.training and all(not n.training for n in net.norms)
    with pytest.raises(ValueError, match="batch"):
        nn.MLP([2, 2, 2], norm="group")


@pytest.mark.parametrize("skip", [True, False])
def test_residual_block_and_network_gradcheck(skip):
    rng = np.random.default_rng(6)
    block = nn.ResidualBlock(4, activation="tanh", init="xavier_normal", scale=0.7, skip=skip, rng=rng)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    loss = lambda: float(np.sum(g * block.forward(x)))
    loss()
    dx = block.backward(g)
    assert check_gradient(loss, x, dx) < 1e-8
    assert check_gradient(loss, block.dense.W, block.dense.dW) < 1e-8
    net = nn.ResidualMLP(3, 5, 4, 2, activation="tanh", init="xavier_normal", scale=0.5, skip=skip, seed=1)
    xs, ys = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    net_loss = lambda: nn.softmax_cross_entropy(net.forward(xs), ys)[0]
    dxs = net.backward(nn.softmax_cross_entropy(net.forward(xs), ys)[1])
    assert check_gradient(net_loss, xs, dxs) < 1e-7
    for layer in net.layers:
        assert check_gradient(net_loss, layer.W, layer.dW) < 1e-7
    assert len(net.deltas) == len(net.pre_activations) + 1 == 6


def test_residual_skip_passes_the_gradient_unchanged():
    net = nn.ResidualMLP(2, 3, 3, 2, activation="relu", scale=1.0, zero_init=True, seed=0)
    net.forward(np.ones((4, 2)))
    net.backward(np.ones((4, 2)))
    assert all(np.array_equal(d, net.deltas[-2]) for d in net.deltas[:-1])  # branches are 0: dy/dx = I
