"""The course build: solution notebooks are the source; learners' notebooks are built from them.

A solution region is a block of lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
(the nbgrader convention; in Markdown cells ``<!-- BEGIN SOLUTION -->`` works too). The build

- replaces each code region by ``# YOUR CODE HERE`` and ``raise NotImplementedError(...)`` at the
  region's indentation, and each Markdown region by an invitation to answer;
- clears every output and execution count;
- keeps only the metadata that matters (cell tags; the kernel; nbgrader's, derived from the exercise
  registry), so rebuilding gives identical bytes.

``execute`` runs a solution notebook and stores its outputs the same way: metadata normalised, split
stream outputs joined, widget views (dead without their kernel) dropped.

Code regions must sit inside a function: a learner who runs every cell before doing any exercise
then sees no error, and the check of that exercise reports it as not attempted yet.
"""
import re
import sys
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>[ \t]*)(?:#+|<!--)\s*BEGIN SOLUTION\b.*$")
END = re.compile(r"^[ \t]*(?:#+|<!--)\s*END SOLUTION\b.*$")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class BuildError(ValueError):
    """A solution notebook the build cannot turn into a learner's notebook."""


def strip_solutions(source, cell_type="code", where="cell"):
    """``source`` with every solution region replaced by its placeholder."""
    out, region = [], None
    for lineno, line in enumerate(source.split("\n"), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if region is not None:
                raise BuildError(f"{where}, line {lineno}: BEGIN SOLUTION inside another solution region")
            region = begin.group("indent")
            if cell_type == "code" and not region:
                raise BuildError(f"{where}, line {lineno}: a solution region at the top level of a cell; "
                                 "put the exercise inside a function so the learner's notebook runs")
        elif end:
            if region is None:
                raise BuildError(f"{where}, line {lineno}: END SOLUTION without BEGIN SOLUTION")
            if cell_type == "code":
                out += [f"{region}# YOUR CODE HERE", f"{region}raise NotImplementedError()"]
            else:
                out.append(f"{region}*Your answer here.*")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise BuildError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


CHECK_CELL = re.compile(r"^check\((\w+)\)\s*$", re.MULTILINE)
DEF_LINE = re.compile(r"^def (\w+)\(", re.MULTILINE)


def nbgrader_metadata(cell):
    """nbgrader's metadata (schema 3) for a cell, from the exercise registry, or None.

    A cell that defines an exercise's function around a solution region is a solution cell; a
    cell ``check(name)`` is its grade cell, worth the exercise's points. nbgrader's
    ``generate_assignment`` on ``solutions/`` then yields the same release as ``vgrad build``.
    """
    from .exercises import EXERCISES

    if cell.cell_type != "code":
        return None
    check = CHECK_CELL.search(cell.source)
    if check and check.group(1) in EXERCISES:
        name = check.group(1)
        return {"grade": True, "solution": False, "locked": True, "points": EXERCISES[name].points,
                "grade_id": f"check_{name}", "schema_version": 3, "cell_type": "code"}
    defined = DEF_LINE.findall(cell.source)
    if any(name in EXERCISES for name in defined) and ("BEGIN SOLUTION" in cell.source
                                                       or "YOUR CODE HERE" in cell.source):
        name = next(n for n in defined if n in EXERCISES)
        return {"grade": False, "solution": True, "locked": False, "grade_id": name, "schema_version": 3,
                "cell_type": "code"}
    return None


def normalise(nb, clear_outputs):
    """Keep only the metadata that matters (nbgrader's is derived from the exercise registry);
    optionally clear outputs. Changes ``nb`` in place."""
    nb.metadata = nbformat.NotebookNode(
        kernelspec=nbformat.NotebookNode(KERNELSPEC),
        language_info=nbformat.NotebookNode(name="python"),
    )
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode({k: v for k, v in cell.metadata.items() if k == "tags"})
        grading = nbgrader_metadata(cell)
        if grading:  # as nbgrader marks them: neither kind may be deleted; a check may not be edited
            cell.metadata["nbgrader"] = nbformat.NotebookNode(grading)
            cell.metadata["deletable"] = False
            if grading["locked"]:
                cell.metadata["editable"] = False
        if cell.cell_type == "code" and clear_outputs:
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "code":
            # A stored widget view is dead without its kernel (and gets a new model id every run).
            cell.outputs = [o for o in coalesce_streams(cell.outputs) if WIDGET_VIEW not in o.get("data", {})]
    return nb


def coalesce_streams(outputs):
    """Join consecutive stream outputs of the same stream: how a stream is split into messages
    depends on timing, so only the joined text is reproducible."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def read_notebook(path):
    """Read and validate a notebook; a clear ``BuildError`` when it is not one."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # JSON errors, schema errors, unreadable files
        raise BuildError(f"{path} is not a valid notebook: {str(exc).splitlines()[0]}") from None
    return nb


def student_version(nb, name="notebook"):
    """The learner's notebook built from a solution notebook (a new object)."""
    nb = nbformat.from_dict(nb)
    for i, cell in enumerate(nb.cells):
        cell.source = strip_solutions(cell.source, cell.cell_type, where=f"{name}, cell {i}")
    return normalise(nb, clear_outputs=True)


def to_text(nb):
    return nbformat.writes(nb) + "\n"


def build(solutions="solutions", notebooks="notebooks"):
    """Write ``notebooks/NAME.ipynb`` for every ``solutions/NAME.ipynb``; return {path: text}."""
    solutions, notebooks = Path(solutions), Path(notebooks)
    sources = sorted(solutions.glob("*.ipynb"))
    if not sources:
        raise BuildError(f"no notebooks in {solutions}/")
    built = {notebooks / p.name: to_text(student_version(read_notebook(p), p.name)) for p in sources}
    notebooks.mkdir(parents=True, exist_ok=True)
    for path, text in built.items():
        path.write_text(text, encoding="utf-8")
    return built


def stale(solutions="solutions", notebooks="notebooks"):
    """The learners' notebooks that differ from what ``build`` would write (or are missing/extra)."""
    solutions, notebooks = Path(solutions), Path(notebooks)
    expected = {p.name: to_text(student_version(read_notebook(p), p.name)) for p in sorted(solutions.glob("*.ipynb"))}
    present = {p.name for p in notebooks.glob("*.ipynb")}
    out = sorted(present - set(expected))
    for name, text in expected.items():
        path = notebooks / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return sorted(out)


def execute(path, timeout=120):
    """Run a notebook top to bottom in a fresh kernel (its own folder as working directory) and
    store the outputs in place, with normalised metadata."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = read_notebook(path)
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    ).execute()
    normalise(nb, clear_outputs=False)
    nb.metadata["vgrad"] = nbformat.NotebookNode(outputs_made_with=made_with())
    path.write_text(to_text(nb), encoding="utf-8")
    return nb


def made_with():
    """The versions that decide a notebook's stored outputs to the byte (a figure's pixels included): a test that
    finds the same versions compares a fresh run with the stored outputs, and otherwise two fresh runs."""
    import matplotlib
    import numpy

    return {"python": ".".join(map(str, sys.version_info[:2])), "numpy": numpy.__version__,
            "matplotlib": matplotlib.__version__}
