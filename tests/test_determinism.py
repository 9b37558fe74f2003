"""A solution notebook executes to the same outputs every time, figures' pixels included (nbval does not compare
images, so an unseeded figure would slip past it). Where the stored outputs were made with this machine's versions
(``course.made_with``), one fresh run is compared with them; elsewhere, two fresh runs with each other."""
import nbformat
import pytest

from vgrad import course

from notebook_runs import SOLUTIONS, comparable, execute


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_executes_to_identical_outputs_every_time(path):
    stored = nbformat.read(path, as_version=4)
    same_versions = stored.metadata.get("vgrad", {}).get("outputs_made_with") == course.made_with()
    first = comparable(course.normalise(execute(path), clear_outputs=False))
    second = comparable(stored) if same_versions else comparable(course.normalise(execute(path), clear_outputs=False))
    what = "the stored outputs" if same_versions else "a second run"
    assert len(first) == len(second), f"{path.name}: {len(first)} outputs, {what} has {len(second)}"
    for i, (a, b) in enumerate(zip(first, second)):
        assert a == b, f"{path.name}: output {i} differs from {what}'s"
    assert any("image/png" in dict(o) for o in first if isinstance(o[0], tuple)), "no figure was produced"
