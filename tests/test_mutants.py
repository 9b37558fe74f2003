"""Across the whole catalogue: every exercise has its wrong and right answers, no hint gives the whole
answer away, and reference use gets one verdict, in the notebook's check and in ``vgrad grade``."""
import importlib
import json
import re
from pathlib import Path

import pytest

from vgrad.exercises import EXERCISES, run
from vgrad.exercises.runner import protected_in, references_removed
from vgrad.grading.grader import Limits, grade_submission

from mutants import catalogue_size

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
NOTEBOOKS = sorted({ex.notebook for ex in EXERCISES.values()})
MIN_WRONG, MIN_RIGHT = 6, 2


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_exercise_has_its_catalogue(notebook):
    chapter = importlib.import_module(f"test_mutants_{notebook[:2]}")
    sizes = catalogue_size(notebook, chapter.WRONG, chapter.RIGHT)
    short = {name: n for name, n in sizes.items() if n[0] < MIN_WRONG or n[1] < MIN_RIGHT}
    assert not short, f"(wrong, right) answers below ({MIN_WRONG}, {MIN_RIGHT}): {short}"
    assert set(chapter.WRONG) | set(chapter.RIGHT) <= set(sizes), "a catalogue entry names no exercise of the notebook"


def _solution_lines(name):
    """The lines of the solution of exercise ``name`` in solutions/, as code without spaces."""
    for path in SOLUTIONS.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(rf"def {name}\(", text) and "BEGIN SOLUTION" in text:
                body = text.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                lines = [re.sub(r"#.*", "", line).strip().removeprefix("return ") for line in body.splitlines()]
                return [re.sub(r"\s+", "", line) for line in lines if len(line.strip()) > 3]
    raise AssertionError(f"no solution of {name} in solutions/")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_no_hint_gives_the_whole_answer_away(name):
    ex = EXERCISES[name]
    lines = _solution_lines(name)
    said = re.sub(r"\s+", "", " ".join(ex.hints + tuple(m.hint for m in ex.mistakes)))
    assert lines and not all(line in said for line in lines), f"the hints of {ex.label} spell out its whole solution"


def _calling(fn, name, imported=True):
    """Source of a learner's function ``name`` that calls the course's ``fn`` (a method through its
    class), imported from the course, or else found as ``course_code`` in the namespace."""
    top = fn.__qualname__.split(".")[0]
    call = "course_code" + (f".{fn.__name__}" if "." in fn.__qualname__ else "")
    source = f"def {name}(*args, **kwargs):\n    return {call}(*args, **kwargs)\n"
    return f"from {fn.__module__} import {top} as course_code\n\n" + source if imported else source


def test_every_protected_function_can_be_switched_off_in_the_kernel():
    for notebook in NOTEBOOKS:
        for fn in protected_in(notebook):
            assert not fn.__code__.co_freevars, f"{fn.__qualname__} has free variables: it cannot be switched off"
            code = fn.__code__
            with references_removed(notebook):
                assert fn.__code__ is not code
            assert fn.__code__ is code


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_reference_use_gets_one_verdict_in_check_and_in_the_grader(notebook, tmp_path):
    """Each exercise answered by a call of each function its notebook protects: 0 points and "write your
    own" in the notebook's check; and, for one such answer per exercise, the same from ``vgrad grade``."""
    exercises = [ex for ex in EXERCISES.values() if ex.notebook == notebook]
    submitted = []
    for ex in exercises:
        for fn in protected_in(notebook):
            namespace = {"course_code": fn if "." not in fn.__qualname__ else getattr(
                importlib.import_module(fn.__module__), fn.__qualname__.split(".")[0])}
            exec(_calling(fn, ex.name, imported=False), namespace)
            res = run(namespace[ex.name], ex.name)
            assert (res.status, res.points) == ("not_own_work", 0), (ex.name, fn.__qualname__, res.message)
            assert f"Write your own version of {ex.name}" in res.message
        submitted.append(_calling(next(f for f in (ex.reference, *ex.protected) if f.__name__ != "<lambda>"), ex.name))
    cells = [{"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None}
             for src in submitted]
    path = tmp_path / f"{notebook}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    graded = grade_submission(path, notebook, Limits(isolation="reduced"))
    assert {e.name: (e.status, e.score) for e in graded.exercises} == {ex.name: ("not_own_work", 0) for ex in exercises}
