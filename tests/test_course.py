"""The solutions -> notebooks build: regions replaced, outputs cleared, byte-identical rebuilds."""
import json
from pathlib import Path

import nbformat
import pytest

from vgrad import cli, course

ROOT = Path(__file__).resolve().parent.parent


def make_solution(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)
    return nb


def solution_cell():
    cell = nbformat.v4.new_code_cell(
        "def f(x):\n    \"\"\"Double x.\"\"\"\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n    ### END SOLUTION\n\ncheck(f)"
    )
    cell.outputs = [nbformat.v4.new_output("stream", text="passed\n")]
    cell.execution_count = 3
    cell.metadata = {"tags": ["exercise"], "scrolled": True, "execution": {"iopub.status.busy": "x"}}
    return cell


def test_strip_solutions_keeps_indentation_and_the_rest():
    out = course.strip_solutions(solution_cell().source)
    assert "2 * x" not in out and "BEGIN SOLUTION" not in out
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in out
    assert out.startswith("def f(x):\n    \"\"\"Double x.\"\"\"") and out.endswith("check(f)")
    ns = {}
    exec(out.replace("check(f)", ""), ns)  # defining the stub does not raise
    with pytest.raises(NotImplementedError):
        ns["f"](1)


def test_markdown_regions():
    src = "What do you see?\n\n<!-- BEGIN SOLUTION -->\nIt vanishes.\n<!-- END SOLUTION -->"
    out = course.strip_solutions(src, "markdown")
    assert "vanishes" not in out and "*Your answer here.*" in out


@pytest.mark.parametrize("src,match", [
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "top level"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1", "without END"),
    ("def f():\n    return 1\n    ### END SOLUTION", "without BEGIN"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION", "inside another"),
])
def test_malformed_regions_are_clear_errors(src, match):
    with pytest.raises(course.BuildError, match=match):
        course.strip_solutions(src, "code", where="x.ipynb, cell 2")


def test_build_clears_outputs_and_metadata_and_is_byte_identical(tmp_path):
    sol, nbs = tmp_path / "solutions", tmp_path / "notebooks"
    sol.mkdir()
    make_solution(sol / "01_x.ipynb", [nbformat.v4.new_markdown_cell("# Title"), solution_cell()])
    course.build(sol, nbs)
    first = (nbs / "01_x.ipynb").read_bytes()
    nb = json.loads(first)
    code = nb["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"] == {"tags": ["exercise"]}
    assert "widgets" not in nb["metadata"]
    assert course.stale(sol, nbs) == []
    course.build(sol, nbs)
    assert (nbs / "01_x.ipynb").read_bytes() == first
    (nbs / "01_x.ipynb").write_text(first.decode().replace("Title", "Tilte"))
    (nbs / "99_extra.ipynb").write_text("{}")
    assert course.stale(sol, nbs) == ["01_x.ipynb", "99_extra.ipynb"]


def test_cli_reports_a_corrupt_solution_in_one_line(tmp_path, capsys):
    sol = tmp_path / "solutions"
    sol.mkdir()
    (sol / "00_bad.ipynb").write_text("{ not json")
    code = cli.main(["build", "--solutions", str(sol), "--notebooks", str(tmp_path / "nb")])
    err = capsys.readouterr().err
    assert code == 2 and "00_bad.ipynb is not a valid notebook" in err and "Traceback" not in err
    assert not (tmp_path / "nb").exists()


def test_cli_check_flags_stale_notebooks(tmp_path, capsys):
    sol, nbs = tmp_path / "solutions", tmp_path / "notebooks"
    sol.mkdir()
    make_solution(sol / "01_x.ipynb", [solution_cell()])
    assert cli.main(["build", "--check", "--solutions", str(sol), "--notebooks", str(nbs)]) == 1
    assert cli.main(["build", "--solutions", str(sol), "--notebooks", str(nbs)]) == 0
    assert cli.main(["build", "--check", "--solutions", str(sol), "--notebooks", str(nbs)]) == 0


def test_the_repository_notebooks_are_up_to_date():
    assert course.stale(ROOT / "solutions", ROOT / "notebooks") == [], "run `make build`"


def test_learner_notebooks_hold_no_solutions_and_no_outputs():
    names = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert "00_start_here.ipynb" in names and "01_chain_rule.ipynb" in names
    for name in names:
        text = (ROOT / "notebooks" / name).read_text()
        assert "BEGIN SOLUTION" not in text
        nb = nbformat.reads(text, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_every_reading_is_folded_under_its_question():
    """Learners predict before they read: each "What do you see?" answer sits in a closed <details> block, whose
    markdown renders only with a blank line after </summary> and before </details>."""
    questions = 0
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown" and cell.source.startswith("**What do you see?**"):
                questions += 1
                first_line, _, rest = cell.source.partition("\n\n")
                assert "<details>" not in first_line and rest.startswith(
                    "<details>\n<summary>Our reading</summary>\n\n"), f"{path.name} cell {index}: fold the reading"
                assert "\n\n</details>" in rest, f"{path.name} cell {index}: a blank line before </details>"
    assert questions >= 50


def test_stored_outputs_are_normalised():
    cell = nbformat.v4.new_code_cell("print('a'); print('b'); slider")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("execute_result", data={course.WIDGET_VIEW: {"model_id": "x"}, "text/plain": "IntSlider()"}),
        nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    course.normalise(nb, clear_outputs=False)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in nb.cells[0].outputs] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warning\n")]


def test_the_sanitizer_keeps_figure_sizes_apart_from_addresses():
    import re

    rules = re.findall(r"regex: (.*)\nreplace: (.*)", (ROOT / "tests" / "nbval_sanitize.cfg").read_text())
    text = "<Figure size 1000x380 with 2 Axes> at 0x7f3a"
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    assert text == "<Figure> at 0xADDRESS"


def test_the_field_guide_in_the_capstone_is_the_one_in_lessons():
    """Notebook 09 closes with the field guide; lessons/field_guide.md is its printable copy: the same table."""
    def table(text):
        return [line.strip() for line in text.splitlines() if line.strip().startswith("|")]

    nb = json.loads((ROOT / "solutions" / "09_capstone_diagnosis.ipynb").read_text())
    section = next("".join(c["source"]) for c in nb["cells"] if "The field guide" in "".join(c["source"]))
    guide = table((ROOT / "lessons" / "field_guide.md").read_text())
    assert len(guide) >= 10 and table(section) == guide
