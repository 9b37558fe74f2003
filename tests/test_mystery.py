"""The capstone's mystery runs: each fails for its own reason on every seed the checks use, ``diagnose`` names that
reason, a fix is refused with a clear reason before anything trains, and a run reads the same every time."""
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from vgrad import mystery, plots, widgets
from vgrad.diagnostics import diagnose
from vgrad.errors import InputError
from vgrad.exercises import EXERCISES
from vgrad.exercises.ch09 import _answer
from vgrad.grading import wire

#: What diagnose says of each network run, on every seed of mystery.SEEDS: (verdict, likely source).
VERDICTS = {
    "A": ("vanishing", "the initialisation scale: weights too small"),
    "C": ("learning rate too small", None),
    "D": ("vanishing", "saturation"),
    "F": ("exploding", "the signal or the steps grew without bound"),
    "G": ("learning rate too large", "steps that overshoot"),
    "H": ("dead units", None),
}


@pytest.mark.parametrize("seed", mystery.SEEDS)
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_diagnose_names_each_network_runs_cause_on_every_seed(name, seed):
    run = mystery.run(name, seed=seed)
    d = diagnose(run.history)
    assert (d.verdict, d.cause) == VERDICTS[name], str(d)
    assert run.accuracy < 0.5 and d.because in d.evidence


@pytest.mark.parametrize("seed", mystery.SEEDS)
def test_run_b_blows_up_within_its_first_steps_while_nothing_vanishes_through_time(seed):
    run = mystery.run("B", seed=seed)
    assert run.history.diverged_at is not None and run.history.diverged_at < 15
    assert run.lag_profile[-1] / run.lag_profile[0] > 0.1 and run.accuracy < 0.3


@pytest.mark.parametrize("seed", mystery.SEEDS)
def test_run_e_trains_without_blowing_up_but_its_gradient_vanishes_through_time(seed):
    run = mystery.run("E", seed=seed)
    assert run.history.diverged_at is None and max(run.history.grad_norm) < 5
    assert run.lag_profile[-1] / run.lag_profile[0] < 1e-4 and run.accuracy < 0.5


def test_every_run_has_one_cause_of_its_own_and_a_fix_that_trains():
    causes = [_answer(name, "cause") for name in mystery.RUNS]
    assert len(set(causes)) == len(causes) == 8
    for name in mystery.RUNS:
        assert mystery.first_failure(name, _answer(name, "fix")) is None, name


def test_a_run_reads_the_same_every_time_and_a_seed_changes_it():
    first = mystery.run("C", seed=1)
    mystery._run.cache_clear()
    again = mystery.run("C", seed=1)
    assert again is not first and again.history.loss == first.history.loss and again.accuracy == first.accuracy
    assert mystery.run("C", seed=2).history.loss != first.history.loss


def test_changes_apply_on_top_of_the_runs_own_settings_and_leave_them_alone():
    before = dict(mystery.RUNS["C"])
    assert mystery.configuration("C", {"lr": 0.05}) == {**before, "lr": 0.05}
    assert mystery.RUNS["C"] == before
    assert mystery.run("C", {"lr": 0.05}).accuracy > 0.9


@pytest.mark.parametrize("name, changes, says", [
    ("C", [("lr", 0.05)], "a fix is a dict"),
    ("C", None, "a fix is a dict"),
    ("C", {}, "change at least one setting"),
    ("C", {"depth": 3}, "no setting 'depth'"),
    ("C", {"clip": 1.0}, "no setting 'clip'"),
    ("B", {"bias": 0.0}, "no setting 'bias'"),
    ("C", {"lr": 0.05, "init": "he_normal"}, "one idea"),
    ("C", {"norm": "batch", "bias": 0.0}, "the units and their start and the normalisation"),
    ("B", {"kind": "gru", "clip": 1.0}, "one idea"),
    ("C", {"lr": 2 ** 70}, "lr must be"),
    ("C", {"lr": float("inf")}, "lr must be"),
    ("C", {"lr": "0.05"}, "lr must be a learning rate"),
    ("C", {"lr": True}, "lr must be"),
    ("C", {"lr": float("nan")}, "lr must be"),
    ("C", {"lr": 100.0}, "lr must be"),
    ("C", {"momentum": 1.0}, "momentum must be"),
    ("C", {"init": "glorot"}, "init must be one of"),
    ("C", {"init": 0.0}, "init must be"),
    ("C", {"activation": ["relu"]}, "activation must be one of"),
    ("C", {"norm": "group"}, "norm must be"),
    ("C", {"bias": np.array([0.0])}, "bias must be"),
    ("B", {"kind": "transformer"}, "kind must be"),
    ("B", {"clip": 0.0}, "clip must be"),
    ("B", {"forget_bias": 5.0}, "forget_bias is a setting of an LSTM"),
    ("B", {"kind": "gru", "forget_bias": 5.0}, "forget_bias is a setting of an LSTM"),
    ("B", {"kind": "lstm", "update_bias": 3.0}, "update_bias is a setting of a GRU"),
])
def test_a_change_a_run_cannot_take_is_refused_with_its_reason(name, changes, says):
    problem = mystery.check_changes(name, changes)
    assert problem and says in problem, problem
    with pytest.raises(InputError, match="."):
        mystery.run(name, changes) if changes else mystery.run("Z")


def test_one_idea_may_take_several_settings_of_its_group():
    assert mystery.check_changes("E", {"kind": "lstm", "forget_bias": 5.0, "input_bias": -3.0}) is None
    assert mystery.check_changes("H", {"activation": "relu", "init": "he_normal", "bias": 0.0}) is None
    assert mystery.check_changes("B", {"lr": 0.01, "momentum": 0.5, "clip": 1.0}) is None


def test_numpy_numbers_and_capitals_are_read_alike_in_the_notebook_and_after_the_grader_wire():
    """A float32 crosses the grader's wire as a 0-d array: the fix means the same on both sides."""
    compare = EXERCISES["fix_f"].compare
    for fix in ({"init": "He_Normal"}, {"init": "he_normal"},
                {"init": np.float32(0.25)}):
        sent = wire.decode(wire.encode(fix))
        assert compare(None, fix) == compare(None, sent), fix
    assert compare(None, {"init": "He_Normal"}) is None
    assert mystery.configuration("B", {"clip": np.float32(1.0)})["clip"] == 1.0
    assert mystery.configuration("B", wire.decode(wire.encode({"clip": np.float32(1.0)})))["clip"] == 1.0


def test_bad_names_and_seeds_are_refused():
    with pytest.raises(InputError, match="the runs are A, B"):
        mystery.run("Z")
    with pytest.raises(InputError, match="seed"):
        mystery.run("A", seed=-1)
    with pytest.raises(InputError, match="seed"):
        mystery.run("A", seed=1.5)


def test_describe_says_what_the_owner_knows_and_not_what_went_wrong():
    for name, config in mystery.RUNS.items():
        text = mystery.describe(name)
        assert str(config["steps"]) in text
        assert str(config["lr"]) not in text and "init" not in text and "bias" not in text


@pytest.mark.parametrize("name", ["A", "B", "F", "H"])
def test_a_dashboard_draws_every_panel_of_its_run(name):
    run = mystery.run(name)
    fig = plots.mystery_run(run)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] and len(visible) == len(plots.RUN_PANELS[run.kind])
    fig.canvas.draw()  # a run that overflowed (F) or whose gradients are all 0 (H) still draws
    plt.close(fig)
    with pytest.raises(ValueError, match="a sequence run has"):
        plots.mystery_run(mystery.run("B"), panels=["activation spread"])


def test_the_explorer_shows_a_recurrent_runs_own_measurements_when_asked_for_a_networks(capsys, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    explorer = widgets.mystery_explorer()
    controls = {c.description: c for c in explorer.children[:-1]}
    controls["run"].value, controls["plot"].value = "B", "activation spread"
    assert "it has no 'activation spread'" in capsys.readouterr().out
    assert len(shown[-1].axes) == len(plots.RUN_PANELS["sequence"]) and not plt.get_fignums()


def test_a_learners_subclass_runs_none_of_its_code_while_it_is_judged():
    """The check reads a returned str or dict with str's and dict's own methods: an override that would answer for
    the learner (or never return) is not called, in the notebook as in the grader (which sees plain data)."""
    class Sly(str):
        def lower(self):
            raise AssertionError("the learner's lower() ran")

    class SlyDict(dict):
        def items(self):
            raise AssertionError("the learner's items() ran")

    cause, fix = EXERCISES["cause_h"].compare, EXERCISES["fix_h"].compare
    assert cause("dead units", Sly("Dead Units")) is None and "is not 'healthy'" in cause("dead units", Sly("healthy"))
    assert fix(None, SlyDict(bias=0.0)) is None
    assert mystery.check_changes("H", {"activation": Sly("ELU")}) is None
    assert mystery.check_changes("H", {"activation": object()}).endswith("got <a object>")


def test_a_cause_taken_from_the_notebooks_list_scores_in_the_grader(tmp_path):
    """The notebook's cells import the list of causes; the grader, which runs them without the exercises' module,
    must give the same points as the check."""
    from vgrad.grading.grader import Limits, grade_submission

    cells = ["from vgrad import mystery", "def cause_h():\n    return mystery.CAUSES[3]",
             "def cause_c():\n    return mystery.CAUSES[mystery.CAUSES.index('learning rate too small')]"]
    nb = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
                    for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "09_capstone_diagnosis.ipynb"
    path.write_text(json.dumps(nb))
    scores = {e.name: e.score for e in grade_submission(path, "09_capstone_diagnosis", Limits(isolation="reduced")).exercises}
    assert scores["cause_h"] == scores["cause_c"] == 1 and scores["cause_a"] == 0
