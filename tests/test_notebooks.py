"""Notebooks as learners meet them.

- A solution notebook executed twice gives identical outputs, figures' pixels included (nbval does not
  compare images, so an unseeded figure would slip past it).
- A learner's notebook run top to bottom before any exercise is done shows no error and no traceback:
  every check says "not attempted yet", every cell that needs an exercise says which one.
"""
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from vgrad.course import WIDGET_VIEW, coalesce_streams

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def execute(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def comparable(nb):
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in coalesce_streams(cell.outputs):
            if o.output_type == "stream":
                out.append((o.name, o.text))
            elif "data" in o:
                out.append(tuple(sorted((k, str(v)) for k, v in o.data.items() if k != WIDGET_VIEW)))
            else:
                out.append((o.output_type, o.get("ename"), o.get("evalue")))
    return out


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_executes_to_identical_outputs_twice(path):
    first, second = comparable(execute(path)), comparable(execute(path))
    assert len(first) == len(second)
    for i, (a, b) in enumerate(zip(first, second)):
        assert a == b, f"{path.name}: output {i} differs between two runs"
    assert any("image/png" in dict(o) for o in first if isinstance(o[0], tuple)), "no figure was produced"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_runs_all_cells_before_any_exercise(path):
    nb = execute(path)
    checks = readies = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert all(o.output_type != "error" for o in cell.outputs), f"error in:\n{cell.source}"
        assert "Traceback" not in text, text
        assert not any(o.get("name") == "stderr" for o in cell.outputs), f"a warning in:\n{cell.source}"
        if re.search(r"^check\(\w+\)$", cell.source, re.MULTILINE):
            checks += 1
            assert "not attempted yet" in text, f"{cell.source} printed: {text}"
        if "ready(" in cell.source:
            readies += 1
            assert "finish Exercise" in text, f"{cell.source} printed: {text}"
    assert checks >= 1


def test_a_wrong_argument_shows_one_line_not_a_traceback(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from vgrad import chain\n\ng = chain.chain_gradients(0)"),
                nbformat.v4.new_code_cell("1 / 0")]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    (error,) = nb.cells[0].outputs
    assert error.output_type == "error" and error.ename == "InputError"
    assert error.traceback == ["InputError: depth must be a positive integer; got 0"
                               "  (from line 3: g = chain.chain_gradients(0))"]
    (other,) = nb.cells[1].outputs  # errors of the learner's own code keep their usual traceback
    assert other.ename == "ZeroDivisionError" and len(other.traceback) > 1
