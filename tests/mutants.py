"""The mutant catalogue's harness: every wrong answer fails and every right answer passes, in the
notebook's check (its seed) and in the grader's judgement on each of ``GRADER_SEEDS``.

A chapter's catalogue (``tests/test_mutants_NN.py``) lists, per exercise, wrong answers named for the
mistake they make and right answers written differently from the solution; the registry's own
``mistakes`` (whose hints the check shows) join the wrong ones here. A grader seed is what
``vgrad grade`` draws per exercise (``SeedSequence(...).spawn``); the cases of each seed are drawn
once and shared by every answer.
"""
from functools import lru_cache

import numpy as np
import pytest

from vgrad.exercises import EXERCISES
from vgrad.exercises.runner import NOTEBOOK_SEED, run_cases

GRADER_SEEDS = 200
_SEEDS = np.random.SeedSequence(20261124).spawn(GRADER_SEEDS)


@lru_cache(maxsize=None)
def _cases(name, k):
    """The cases of exercise ``name`` for seed ``k``: -1 is the notebook's, 0.. the grader's."""
    seed = NOTEBOOK_SEED if k < 0 else _SEEDS[k]
    return EXERCISES[name].cases(np.random.default_rng(seed))


@lru_cache(maxsize=None)
def _seeds(name):
    """The seed indices to judge on: -1 (the notebook's), then every grader seed; only -1 and 0 when the exercise's
    ``cases`` draws nothing from its generator (its cases are then the same for every seed, and so is the verdict)."""
    rng = np.random.default_rng(NOTEBOOK_SEED)
    before = rng.bit_generator.state
    EXERCISES[name].cases(rng)
    return [-1, 0] if rng.bit_generator.state == before else list(range(-1, GRADER_SEEDS))


def verdicts(fn, name):
    """(seed index, Result) on the notebook's seed (-1), then on the grader's (see ``_seeds``)."""
    ex = EXERCISES[name]
    for k in _seeds(name):
        yield k, run_cases(fn, ex, _cases(name, k))


def wrong_cases(notebook, wrong):
    """pytest parameters (exercise, label, answer, hint): the registry's mistakes of ``notebook``'s
    exercises (hint: the one the check must show for it) and the catalogue's ``wrong`` answers."""
    params = []
    for ex in sorted((e for e in EXERCISES.values() if e.notebook == notebook), key=lambda e: e.label):
        params += [(ex.name, f"mistake: {m.name}", _as_learner(m.answer), m.hint) for m in ex.mistakes]
        params += [(ex.name, label, fn, None) for label, fn in wrong.get(ex.name, {}).items()]
    return params


def _as_learner(answer):
    """``answer`` (defined in the course, so a check would call it the course's own code) as a
    learner's function of the same behaviour."""
    return lambda *args, **kwargs: answer(*args, **kwargs)


def right_cases(right):
    return [(name, label, fn) for name, answers in right.items() for label, fn in answers.items()]


def assert_fails_everywhere(name, label, fn, hint=None):
    for k, res in verdicts(fn, name):
        where = "the notebook's seed" if k < 0 else f"grader seed {k}"
        assert res.points == 0 and not res.passed, f"{name} / {label} passes on {where}: {res.message}"
        if k < 0 and hint is not None:
            assert res.status == "failed", f"{name} / {label}: {res.status} on the notebook's seed: {res.message}"
            assert res.hint == hint, f"{name} / {label}: the check shows {res.hint!r}, not the mistake's own hint"


def assert_passes_everywhere(name, label, fn):
    for k, res in verdicts(fn, name):
        where = "the notebook's seed" if k < 0 else f"grader seed {k}"
        assert res.passed, f"{name} / {label} fails on {where}: {res.message}"


def catalogue_size(notebook, wrong, right):
    """{exercise: (wrong answers, right answers)} for ``notebook``'s exercises."""
    return {ex.name: (len(ex.mistakes) + len(wrong.get(ex.name, {})), len(right.get(ex.name, {})))
            for ex in EXERCISES.values() if ex.notebook == notebook}


def catalogue_tests(notebook, wrong, right):
    """A chapter's two catalogue tests, for its module to hold: every wrong answer (the registry's
    mistakes of ``notebook`` and ``wrong``) fails everywhere, every answer of ``right`` passes everywhere."""
    @pytest.mark.parametrize("name, label, answer, hint", wrong_cases(notebook, wrong))
    def test_every_wrong_answer_fails_everywhere(name, label, answer, hint):
        assert_fails_everywhere(name, label, answer, hint)

    @pytest.mark.parametrize("name, label, answer", right_cases(right))
    def test_every_right_answer_passes_everywhere(name, label, answer):
        assert_passes_everywhere(name, label, answer)

    return test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere
