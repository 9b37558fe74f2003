"""Exercises 2.3 (name_the_problems) and 4.3 (gain) draw inputs that change with the seed: the work passes
on the notebook's seed and on every grader seed tried, while a lookup table, or a plausible wrong answer,
fails on every one of them."""
import functools
import itertools
import pickle
import re

import numpy as np
import pytest

from vgrad.diagnostics import diagnose
from vgrad.exercises import get_exercise, run
from vgrad.exercises.ch02 import (CHECK_RUNS, CHECK_SEEDS, KINDS, LABELS, LETTERS, MYSTERY_ANSWERS, SHOWN_SEED,
                                  _fingerprint, _trained, mystery_runs)
from vgrad.exercises.runner import NOTEBOOK_SEED
from vgrad.nn import get_activation

GRADER_SEEDS = list(range(1000, 1025))
SEEDS = [NOTEBOOK_SEED] + GRADER_SEEDS


def notebook_answers(name):
    """The notebook check's cases and their right answers: what a lookup table would hold."""
    ex = get_exercise(name)
    cases = ex.cases(np.random.default_rng(NOTEBOOK_SEED))
    return [(case, ex.reference(*case.args)) for case in cases]


def passes_everywhere(fn, name):
    for seed in SEEDS:
        res = run(fn, name, seed=seed)
        assert res.status == "passed", f"seed {seed}: {res.message}"


def fails_everywhere(fn, name, status="failed"):
    for seed in SEEDS:
        res = run(fn, name, seed=seed)
        assert res.status == status and res.points == 0, f"seed {seed}: {res.status}: {res.message}"


# ---- Exercise 2.3: name_the_problems(runs) ---------------------------------------------------------

def name_the_problems(runs):
    """The solution notebook's rules."""
    names = {}
    for letter, history in runs.items():
        if history.diverged_at is not None:
            names[letter] = "exploding"
        elif history.stat("dead")[-1].max() > 0.5:
            names[letter] = "dead units"
        else:
            grads = np.median(np.array(history.grad_norms[-5:]), axis=0)
            names[letter] = "vanishing" if grads[0] < 1e-2 * grads[-1] else "healthy"
    return names


def swapped(a, b):
    def answer(runs):
        swap = {a: b, b: a}
        return {k: swap.get(v, v) for k, v in name_the_problems(runs).items()}

    return answer


def by_activation(runs):
    """What the four runs of an earlier version of this exercise suggested: the activation names the problem."""
    table = {"relu": "dead units", "sigmoid": "vanishing", "tanh": "healthy", "elu": "exploding"}
    return {k: table[h.activation] for k, h in runs.items()}


def lookup_table_23():
    table = {tuple(sorted(case.args[0])): answer for case, answer in notebook_answers("name_the_problems")}
    return lambda runs: table[tuple(sorted(runs))]


def test_every_run_of_every_kind_shows_its_problem_clearly():
    """For every kind and every seed a run can come from: diagnose agrees with the kind's problem, the
    solution's rules do too, and the numbers leave a wide gap for a learner's own thresholds."""
    healthy_dead, healthy_ratio, vanishing_ratio = [], [], []
    for kind, (label, _) in enumerate(KINDS):
        for seed in (SHOWN_SEED,) + CHECK_SEEDS:
            history = _trained(kind, seed)
            assert diagnose(history).verdict == label, f"kind {kind}, seed {seed}:\n{diagnose(history)}"
            assert name_the_problems({"A": history}) == {"A": label}, (kind, seed)
            assert (history.diverged_at is not None) == (label == "exploding")
            if label == "dead units":
                assert history.stat("dead")[-1].max() >= 0.9
            elif label in ("healthy", "vanishing"):
                g = np.median(np.array(history.grad_norms[-5:]), axis=0)
                (healthy_ratio if label == "healthy" else vanishing_ratio).append(g[0] / g[-1])
                if label == "healthy":
                    healthy_dead.append(history.stat("dead")[-1].max())
    assert max(healthy_dead) <= 0.2  # as the second hint says: no healthy layer is more than a fifth dead
    # as the notebook says: about 1e-4 of the last layer's gradient or less, against more than half
    assert max(vanishing_ratio) < 2e-4 and min(healthy_ratio) > 0.5


def test_every_activation_appears_under_two_problems_or_more():
    problems = {}
    for label, cfg in KINDS:
        problems.setdefault(cfg["activation"], set()).add(label)
    assert all(len(p) >= 2 for p in problems.values()), problems
    assert {label for label, _ in KINDS} == set(LABELS)


def test_the_notebook_shows_each_kind_once_under_fixed_letters():
    runs = mystery_runs()
    assert list(runs) == list(LETTERS) and name_the_problems(runs) == MYSTERY_ANSWERS
    assert runs["A"] is not _trained(0, SHOWN_SEED)  # a copy: changing it cannot change a check's runs
    other = mystery_runs(seed=CHECK_SEEDS[0])
    assert name_the_problems(other) == MYSTERY_ANSWERS and other["C"].loss != runs["C"].loss


def test_each_collection_holds_every_problem_under_shuffled_letters():
    ex = get_exercise("name_the_problems")
    seen = set()
    for seed in SEEDS:
        cases = ex.cases(np.random.default_rng(seed))
        assert [len(c.args[0]) for c in cases] == [6, 7]
        runs = [h for c in cases for h in c.args[0].values()]
        assert sorted(map(_fingerprint, runs)) == sorted(_fingerprint(_trained(*r)) for r in CHECK_RUNS)
        for case in cases:
            answer = ex.reference(*case.args)
            assert set(answer.values()) == set(LABELS) and list(answer) == list(LETTERS[:len(answer)])
            seen.add(tuple(answer.values()))
    assert len(seen) > len(SEEDS)  # the letters' problems differ from seed to seed


def test_name_the_problems_passes_on_every_seed():
    passes_everywhere(name_the_problems, "name_the_problems")


@pytest.mark.parametrize("wrong", [
    pytest.param(lambda runs: {"A": "dead units", "B": "vanishing", "C": "healthy", "D": "exploding"}, id="old-dict"),
    pytest.param(lambda runs: {k: "vanishing" for k in runs}, id="all-vanishing"),
    pytest.param(by_activation, id="by-activation"),
    *(pytest.param(swapped(a, b), id=f"swap-{a}-{b}") for a, b in itertools.combinations(LABELS, 2)),
])
def test_name_the_problems_wrong_answers_fail_on_every_seed(wrong):
    fails_everywhere(wrong, "name_the_problems")


def test_name_the_problems_feedback_names_a_run():
    res = run(swapped("vanishing", "healthy"), "name_the_problems")
    assert re.search(r"the first, run [A-F], is '(vanishing|healthy)', not '(healthy|vanishing)'", res.message), \
        res.message
    assert "History(" in res.message  # the runs are shown briefly, not as a screenful of numbers


# ---- Exercise 4.3: gain(phi) -------------------------------------------------------------------------

Z = np.linspace(-10.0, 10.0, 200001)
DENSITY = np.exp(-Z * Z / 2) / np.sqrt(2 * np.pi) * (Z[1] - Z[0])


def gain(phi):
    """The solution notebook's: a Riemann sum on a fine grid."""
    return 1.0 / np.sqrt(np.sum(phi(Z) ** 2 * DENSITY))


def monte_carlo():
    """A mean over 10^6 draws, fresh for every call (each from a seed of its own): relative error ~1e-3."""
    seeds = itertools.count()

    def gain(phi):
        z = np.random.default_rng(next(seeds)).standard_normal(10**6)
        return 1.0 / np.sqrt(np.mean(phi(z) ** 2))

    return gain


def lookup_table_43():
    """The notebook check's answers, looked up by the nearest activation: right on every case that the
    notebook's check also has, and close on any whose alpha is close."""
    probe = np.linspace(-3, 3, 61)
    table = [(case.args[0](probe), answer) for case, answer in notebook_answers("gain")]
    return lambda phi: min(table, key=lambda entry: np.sum((entry[0] - phi(probe)) ** 2))[1]


def test_gain_cases_are_activation_functions_with_fresh_parameters():
    ex = get_exercise("gain")
    alphas = set()
    for seed in SEEDS:
        cases = ex.cases(np.random.default_rng(seed))
        assert [c.args[0] for c in cases[:3]] == [get_activation(n).f for n in ("relu", "tanh", "sigmoid")]
        for case in cases[3:]:
            phi = case.args[0]
            assert isinstance(phi, functools.partial) and phi.func.__module__ == "vgrad.nn.activations"
            alphas.add(phi.keywords["alpha"])
    assert len(alphas) == 4 * len(SEEDS)


def test_gain_reference_is_right():
    from vgrad import theory

    assert theory.gain(get_activation("relu").f) == pytest.approx(np.sqrt(2), rel=1e-12)
    leaky = functools.partial(get_activation("leaky_relu").f, alpha=0.3)
    assert theory.gain(leaky) == pytest.approx(np.sqrt(2 / 1.09), rel=1e-12)  # He et al. (2015), eq. 15
    for case, answer in notebook_answers("gain"):  # against the grid, which follows the kinks of ELU
        assert answer == pytest.approx(gain(case.args[0]), rel=1e-4)


@pytest.mark.parametrize("right", [gain, monte_carlo], ids=["grid", "monte-carlo"])
def test_gain_passes_on_every_seed(right):
    passes_everywhere(right if right is gain else right(), "gain")


def derivative_gain(phi):  # 1 / sqrt(E[phi'(z)^2]): the backward condition's factor, not the gain
    return 1.0 / np.sqrt(np.sum(np.gradient(phi(Z), Z) ** 2 * DENSITY))


def variance_gain(phi):  # subtracts the mean: the variance, not the second moment
    return 1.0 / np.sqrt(np.sum(phi(Z) ** 2 * DENSITY) - np.sum(phi(Z) * DENSITY) ** 2)


def no_root_gain(phi):  # 1 / E[phi(z)^2]
    return 1.0 / np.sum(phi(Z) ** 2 * DENSITY)


@pytest.mark.parametrize("wrong", [lambda phi: np.sqrt(2.0), derivative_gain, variance_gain, no_root_gain],
                         ids=["sqrt-2", "derivative", "variance", "no-root"])
def test_gain_wrong_answers_fail_on_every_seed(wrong):
    fails_everywhere(wrong, "gain")


@pytest.mark.parametrize("exercise", ["name_the_problems", "gain"])
def test_a_lookup_table_passes_only_the_notebook_seed(exercise):
    table = {"name_the_problems": lookup_table_23, "gain": lookup_table_43}[exercise]()
    assert run(table, exercise).status == "passed"  # the table is right where it was made
    for seed in GRADER_SEEDS:
        res = run(table, exercise, seed=seed)
        assert res.status in ("failed", "error") and res.points == 0, f"seed {seed}: {res.message}"


def test_gain_by_name_no_longer_works():
    def gain(activation):  # the earlier exercise's answer: it looked the activation up by its name
        return 1.0 / np.sqrt(np.sum(get_activation(activation).f(Z) ** 2 * DENSITY))

    fails_everywhere(gain, "gain", status="error")


def test_gain_feedback_shows_the_activation_as_written():
    res = run(lambda phi: 1.0 if isinstance(phi, functools.partial) else gain(phi), "gain")
    assert "gain(partial(leaky_relu, alpha=0." in res.message and "0x" not in res.message, res.message


# ---- both: the grader sends the cases to the sandbox --------------------------------------------------

@pytest.mark.parametrize("name", ["name_the_problems", "gain"])
def test_cases_survive_the_trip_to_the_sandbox(name):
    ex = get_exercise(name)
    for case in ex.cases(np.random.default_rng(GRADER_SEEDS[0])):
        args = pickle.loads(pickle.dumps(case.args))
        assert ex.compare(ex.reference(*case.args), ex.reference(*args)) is None


def test_gradient_regime_cannot_be_told_from_the_matrix_size():
    # found by trying: every case once had a size of its own, so a table of sizes answered it
    table = {2: "exploding", 3: "exploding", 4: "vanishing", 5: "exploding", 6: "neutral", 8: "vanishing"}
    by_size = lambda W_hh, tol=1e-6: table.get(len(W_hh), "vanishing")  # noqa: E731
    assert not any(run(by_size, "gradient_regime", seed=seed).passed for seed in GRADER_SEEDS)
