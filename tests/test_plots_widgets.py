"""Figures return their Figure with labelled axes; explorers are thin shells that update cleanly."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vgrad import plots, theory, widgets  # noqa: E402

FIGURES = {
    "message_strength": lambda: plots.message_strength(),
    "activation_and_derivative": lambda: plots.activation_and_derivative(),
    "chain_vs_bound": lambda: plots.chain_vs_bound(depth=8, seeds=range(3)),
    "bound_by_depth": lambda: plots.bound_by_depth(),
    "layer_gradients": lambda: plots.layer_gradients({"x": np.array([0.0, 1e-9, 1e-3, 1.0])}, bound=np.ones(4)),
    "activation_and_derivative_shaded": lambda: plots.activation_and_derivative(("relu", "elu"), shade_saturation=True),
    "activation_grid": lambda: plots.activation_grid(("relu", "tanh", "gelu", "elu")),
    "spread_by_init": lambda: plots.spread_by_init({"relu": {"He": ([1.0, 1.0], [1.0, 0.5]), "x": ([0.0, 1e-3], [1, 2])}}),
    "chi1_curve": lambda: plots.chi1_curve([0.5, 1.0, 2.0], [0.2, 0.7, 1.3], [0.21, 0.69, 1.31]),
    "propagation_profile": lambda: plots.propagation_profile(np.ones(5), np.logspace(-4, 0, 5), 1.0, 0.1),
    "difference": lambda: plots.difference(np.linspace(-1, 1, 5), np.zeros(5), "x", "t"),
    "digit_images": lambda: plots.digit_images(np.arange(128).reshape(2, 64) % 17, [3, 4], n=2),
    "grad_norms_by_layer": lambda: plots.grad_norms_by_layer({"a": [1e-6, 1e-3, 1.0], "b": [0.0, 1.0, 2.0]}),
    "learning_curves": lambda: plots.learning_curves({"a": np.linspace(2, 0, 40)}, reference=2.3, reference_label="r"),
    "layer_histograms": lambda: plots.layer_histograms(
        [np.random.default_rng(0).uniform(size=(20, 4)) for _ in range(3)],
        [10.0 ** -k * np.random.default_rng(k).normal(size=(20, 4)) for k in range(4)]),
    "update_ratios": lambda: plots.update_ratios(_history()),
    "gradient_by_lag": lambda: plots.gradient_by_lag({"a": np.logspace(0, -5, 6), "b": np.zeros(6)},
                                                     theory={"a": np.ones(6)}, panels={"p": ["a"], "q": ["b"]}),
    "sequence_runs": lambda: plots.sequence_runs(_sequence_histories(), clip=1.0, chance=1.4),
    "accuracy_curves": lambda: plots.accuracy_curves(_sequence_histories(), chance=0.25),
    "lstm_graph": plots.lstm_graph,
    "gru_graph": plots.gru_graph,
    "batch_norm_graph": plots.batch_norm_graph,
}


def _sequence_histories():
    from vgrad.train import SequenceHistory

    ok = SequenceHistory(loss=list(np.linspace(1.4, 0.1, 30)), accuracy=list(np.linspace(0.25, 1, 30)),
                         grad_norm=list(np.logspace(2, -1, 30)), clip=1.0)
    blown = SequenceHistory(loss=[1.4, 30.0, float("nan")], accuracy=[0.25, 0.2, 0.25],
                            grad_norm=[10.0, 1e9, float("nan")], diverged_at=2)
    return {"clipped": ok, "diverged": blown}


def _history():
    from vgrad.diagnostics import History

    h = History(activation="sigmoid", every=1)
    h.update_ratios = (10.0 ** -np.arange(3)[None, :] * np.ones((30, 3))).tolist()
    return h


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figures_return_a_labelled_figure(name):
    fig = FIGURES[name]()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        for ax in fig.axes:
            if ax.images or not ax.get_visible() or not ax.axison:  # a picture (a digit) or a diagram, not a chart
                continue
            shared = fig.get_supxlabel() and fig.get_supylabel()  # small multiples label the figure once
            assert shared or (ax.get_xlabel() and ax.get_ylabel())
            if "log" in ax.get_ylabel():
                assert ax.get_yscale() == "log"
    finally:
        plt.close(fig)


def test_underflowed_units_are_reported_not_hidden():
    fig = plots.layer_gradients({"float16": np.array([0.0, 0.0, 1e-3, 1.0])})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)
    assert any("2 units underflowed to 0" in label for label in labels)


def test_message_strength():
    assert np.allclose(theory.message_strength(0.5, 3), [1, 0.5, 0.25, 0.125])
    with pytest.raises(ValueError):
        theory.message_strength(0.5, -1)


def test_depth_profile_is_the_layer_gradient_norms_of_a_fresh_net():
    from vgrad import data, diagnostics, nn

    g = widgets.depth_profile(4, "tanh", "he_normal", width=8, samples=32, seed=3)
    x, y = data.digits()
    net = nn.MLP([64, 8, 8, 8, 8, 10], activation="tanh", init="he_normal", seed=3)
    assert np.allclose(g, diagnostics.layer_grad_norms(net, x[:32], y[:32], loss="cross_entropy"))


@pytest.mark.parametrize("make", [widgets.chain_explorer, widgets.message_explorer, widgets.depth_explorer,
                                  widgets.activation_explorer, widgets.propagation_explorer,
                                  widgets.norm_explorer, widgets.residual_explorer, widgets.rnn_explorer,
                                  widgets.cell_state_explorer, widgets.mystery_explorer])
def test_explorers_update_on_every_control(make, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    explorer = make()
    before = len(shown)
    assert before >= 1  # drawn once on creation
    for control in explorer.children[:-1]:
        if hasattr(control, "options"):
            control.index = len(control.options) - 1
        elif isinstance(control.value, bool):
            control.value = not control.value
        else:
            control.value = control.max if control.value != control.max else control.min
    per_update = before  # figures drawn by one update
    assert len(shown) == before + per_update * (len(explorer.children) - 1)
    assert not plt.get_fignums()  # every figure was closed
