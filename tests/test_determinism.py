"""A solution notebook executed twice gives identical outputs, figures' pixels included (nbval does
not compare images, so an unseeded figure would slip past it)."""
import pytest

from notebook_runs import SOLUTIONS, comparable, execute


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_executes_to_identical_outputs_twice(path):
    first, second = comparable(execute(path)), comparable(execute(path))
    assert len(first) == len(second)
    for i, (a, b) in enumerate(zip(first, second)):
        assert a == b, f"{path.name}: output {i} differs between two runs"
    assert any("image/png" in dict(o) for o in first if isinstance(o[0], tuple)), "no figure was produced"


