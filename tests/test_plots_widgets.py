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
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figures_return_a_labelled_figure(name):
    fig = FIGURES[name]()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
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


@pytest.mark.parametrize("make", [widgets.chain_explorer, widgets.message_explorer])
def test_explorers_update_on_every_control(make, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    explorer = make()
    before = len(shown)
    assert before >= 1  # drawn once on creation
    for control in explorer.children[:-1]:
        options = getattr(control, "options", None)
        control.value = options[-1] if options else control.max
    assert len(shown) == before + len(explorer.children) - 1
    assert not plt.get_fignums()  # every figure was closed
