"""A learner's notebook run top to bottom before any exercise is done shows no error and no traceback:
every check says "not attempted yet", every cell that needs an exercise says which one. And a wrong
argument to a course function shows one line, not a traceback."""
import re

import nbformat
import pytest
from nbclient import NotebookClient

from notebook_runs import NOTEBOOKS, execute


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
