"""What a check says when an answer is wrong: the difference itself, the warnings, the mistake's own hint."""
import json
import re

import numpy as np
import pytest

from vgrad.exercises import check
from vgrad.exercises.registry import Case, Exercise, Mistake, close, close_each
from vgrad.exercises.runner import Outcome, judge, run_cases
from vgrad.grading import grader
from vgrad.grading.wire import decode, encode


def _exercise(**kw):
    spec = dict(name="double", label="Exercise 9.9", notebook="no_such_notebook", points=1,
                reference=lambda x: 2 * np.asarray(x, dtype=float),
                cases=lambda rng: [Case((np.arange(1.0, 21.0).reshape(4, 5),)), Case((np.array([800.0]),))],
                compare=close(rtol=1e-9), hints=("first generic hint", "second generic hint"))
    spec.update(kw)
    return Exercise(**spec)


def test_the_first_differing_element_is_shown_with_digits_that_differ():
    ex = _exercise()

    def double(x):
        out = 2 * x
        out[2, 3] *= 1 + 1e-7  # wrong in the seventh digit: 6 digits would print the same number
        return out

    res = run_cases(double, ex, ex.cases(None))
    assert res.status == "failed"
    assert "1 of 20 values differ" in res.message and "at index [2, 3]" in res.message
    assert "at index [2, 3] (where x is 14.): expected 28., got 28.000003" in res.message
    assert "relative error 1.0e-07" in res.message and "at most 1e-09" in res.message


def test_every_input_of_the_result_s_shape_is_named_at_the_differing_index():
    ex = _exercise(reference=lambda x, h: x + h, cases=lambda rng: [Case((np.arange(4.0), np.ones(4)))])
    res = run_cases(lambda x, h: x - h, ex, ex.cases(None))
    assert "at index 0 (where x is 0., h is 1.): expected 1., got -1." in res.message, res.message


def test_a_relative_error_just_above_the_tolerance_prints_above_it():
    problem = close(rtol=1e-6)(0.4, 0.4 * (1 + 1.016e-6))
    assert "relative error 1.02e-06; the check allows a relative error of at most 1e-06" in problem, problem


def test_scalars_show_the_relative_error_and_the_tolerance():
    problem = close(rtol=1e-9)(0.4349786677, 0.4349791)
    assert problem == ("expected 0.4349787, got 0.4349791 (relative error 9.9e-07; "
                       "the check allows a relative error of at most 1e-09)")
    assert "absolute error" in close(rtol=1e-9, atol=1e-12)(0.0, 1e-6)


@pytest.mark.parametrize("got, says", [
    (np.ones(3, dtype=np.float32), "float32 values"),
    (np.float32(1.0), "float32 values"),
    (np.array([True, False, True]), "booleans"),
    (np.ones((3, 1)), "expected an array of shape (3,), got an array of shape (3, 1)"),
    ([1.0, "a", 3.0], "a list of length 3 whose items are not all numbers"),
    (None, "is a `return` missing?"),
])
def test_wrong_kinds_of_result_are_named_as_such(got, says):
    assert says in close()(np.ones(3) if np.ndim(got) or got is None else 1.0, got)


def test_tuples_name_their_items():
    compare = close_each(names=("dx", "dgamma", "dbeta"))
    assert compare((np.ones(2), np.ones(2), np.zeros(2)), (np.ones(2), np.zeros(2), np.zeros(2))).startswith("dgamma:")
    assert "expected (dx, dgamma, dbeta)" in compare((1, 2, 3), (1, 2))


def test_warnings_are_shown_next_to_a_failure_and_fail_where_the_text_forbids_them():
    def overflowing(x):
        return 2 * x * np.exp(x) / np.exp(x)  # inf / inf = nan at 800

    res = run_cases(overflowing, _exercise(), _exercise().cases(None))
    assert res.status == "failed" and "NumPy warned inside your function: overflow encountered in exp" in res.message

    def quietly_right_loudly_computed(x):
        np.exp(x)  # overflows at 800 and is thrown away
        return 2 * x

    assert run_cases(quietly_right_loudly_computed, _exercise(), _exercise().cases(None)).passed
    strict = _exercise(no_warnings=True)
    res = run_cases(quietly_right_loudly_computed, strict, strict.cases(None))
    assert res.status == "failed" and "never overflows" in res.message and "overflow encountered in exp" in res.message


def test_a_known_mistake_gets_its_own_hint_first(capsys):
    ex = _exercise(mistakes=(Mistake("adds", lambda x: x + 2, "you added 2"),
                             Mistake("squares", lambda x: x ** 2, "you squared")))
    res = run_cases(lambda x: x ** 2, ex, ex.cases(None))
    assert res.status == "failed" and res.hint == "you squared"
    assert run_cases(lambda x: 3 * x, ex, ex.cases(None)).hint == ""


def test_check_prints_the_mistake_hint_without_using_up_the_generic_ones(capsys):
    check(lambda factors: float(np.sum(factors)), "chain_product")
    out = capsys.readouterr().out
    assert "💡 Your result is the SUM of the factors" in out and "Hint 1/" not in out
    check(lambda factors: 0.5, "chain_product")
    assert "💡 Hint 1/2" in capsys.readouterr().out


def test_a_property_across_cases_is_judged_after_each_case_passes():
    ex = _exercise(consistent=lambda cases, values: None if values[0].shape != values[1].shape else "same shapes")
    assert run_cases(lambda x: 2 * x, ex, ex.cases(None)).passed
    ex = _exercise(consistent=lambda cases, values: "the draws repeat")
    res = run_cases(lambda x: 2 * x, ex, ex.cases(None))
    assert res.status == "failed" and "each case alone looks right, but the draws repeat" in res.message


def test_float32_scalars_keep_their_precision_across_the_wire():
    back = decode(json.loads(json.dumps(encode(np.float32(0.1)))))
    assert isinstance(back, np.ndarray) and back.dtype == np.float32 and back.shape == ()
    assert decode(encode(0.1)) == 0.1 and isinstance(decode(encode(np.float64(0.1))), float)


def test_the_grader_takes_warnings_only_in_their_schema():
    names, cases = {"double"}, {"double": [None]}
    ok = {"outcome": "double", "case": 0, "kind": "returned", "value": None, "error": "", "warnings": ["overflow"]}
    assert grader._message(json.dumps(ok), names, cases)[0] == "outcome"
    for bad in ({**ok, "warnings": "overflow"}, {**ok, "warnings": [1]}, {**ok, "warnings": ["w"] * 4},
                {k: v for k, v in ok.items() if k != "warnings"}):
        with pytest.raises(grader.Protocol):
            grader._message(json.dumps(bad), names, cases)


def test_the_grader_judges_warnings_and_mistakes_like_the_check():
    ex = _exercise(no_warnings=True, mistakes=(Mistake("squares", lambda x: x ** 2, "you squared"),))
    cases = ex.cases(None)
    warned = judge(ex, cases, [Outcome("returned", 2 * cases[0].args[0], warnings=("overflow encountered in exp",))])
    assert warned.status == "failed" and "never overflows" in warned.message
    squared = judge(ex, cases, [Outcome("returned", cases[0].args[0] ** 2)])
    assert squared.hint == "you squared"


def test_grader_feedback_carries_the_mistake_hint(tmp_path):
    source = "import numpy as np\n\ndef chain_product(factors):\n    return float(np.sum(factors))\n"
    cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
    path = tmp_path / "00_start_here.ipynb"
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    [score] = grader.grade_submission(path, "00_start_here", grader.Limits(isolation="reduced")).exercises
    assert score.status == "failed" and "Hint: Your result is the SUM of the factors" in score.feedback


def test_numpy_strings_and_extended_precision_are_answers_like_any_other():
    from vgrad.exercises.registry import equal
    assert equal("vanishing", np.str_("vanishing")) is None and equal("vanishing", np.str_("exploding"))
    assert close(rtol=1e-9)(0.1, np.longdouble(0.1)) is None
    assert "complex numbers" in close()(np.ones(2), np.ones(2) * (1 + 0j))


def _notebook(tmp_path, name, *sources):
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None} for s in sources]
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_the_grader_agrees_with_the_check_on_unusual_but_right_answers(tmp_path):
    """A function made by an assignment, one whose default argument comes from another cell, and one
    returning extended precision: right in the notebook's check, right in the grader."""
    path = _notebook(
        tmp_path, "01_chain_rule",
        "import numpy as np\nSTEP = 4.0",
        "sigmoid_prime = lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2",
        "def chain_bound(n, w, four=STEP):\n    return np.longdouble(abs(w) / four) ** n",
        "def depth_below(threshold, w=1.0):\n    if abs(w) >= 4:\n        return None\n    n = 1\n"
        "    while (abs(w) / 4) ** n >= threshold:\n        n += 1\n    return n\n")
    graded = grader.grade_submission(path, limits=grader.Limits(isolation="reduced"))
    assert {e.name: e.status for e in graded.exercises} == {n: "passed" for n in ("sigmoid_prime", "chain_bound", "depth_below")}


def test_the_grader_quotes_the_failing_line_like_the_check(tmp_path):
    path = _notebook(tmp_path, "00_start_here", "def chain_product(factors):\n    return factors[0] / 0.0 + undefined\n")
    [score] = grader.grade_submission(path, limits=grader.Limits(isolation="reduced")).exercises
    assert "line 2: `return factors[0] / 0.0 + undefined`" in score.feedback, score.feedback


def test_an_error_inside_numpy_names_the_learner_s_line():
    def double(x):
        return np.random.default_rng(0).normal(0, 1, 4, 5)  # size passed as two arguments

    res = run_cases(double, _exercise(), _exercise().cases(None))
    assert res.status == "error" and re.search(r"\(in double, line \d+: `return np.random", res.message), res.message


@pytest.mark.parametrize("exception", [GeneratorExit, SystemExit, type("Boom", (BaseException,), {})])
def test_any_exception_a_learner_raises_is_a_verdict(exception):
    def double(x):
        raise exception("stop")

    res = run_cases(double, _exercise(), _exercise().cases(None))
    assert res.status == "error" and f"raised {exception.__name__}: stop" in res.message, res.message


def test_a_sequence_that_never_ends_is_described_not_read():
    class Forever:  # len 3, and every item is itself: NumPy would unfold it 32 levels deep
        def __len__(self):
            return 3

        def __getitem__(self, i):
            if i >= 3:
                raise IndexError
            return self

    res = run_cases(lambda x: Forever(), _exercise(), _exercise().cases(None))
    assert res.status == "failed" and "got Forever" in res.message, res.message
