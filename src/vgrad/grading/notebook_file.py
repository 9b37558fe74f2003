"""A submitted file, read as the grader reads it: the source of its code cells, and the course
notebook it belongs to. Everything here is bounded: a submission is hostile until proved otherwise."""
import ast
import json
import re
from pathlib import Path

import nbformat

from ..exercises import EXERCISES

MAX_FILE_BYTES = 20 << 20


class Unreadable(Exception):
    """A submission that is not a notebook the grader can read; the message is one line."""


def read_cells(path, data=None):
    """The source of every code cell of a submission (its bytes ``data``, or read from ``path``),
    or ``Unreadable`` with a one-line reason."""
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise Unreadable(f"cannot read the file ({exc.strerror})") from None
    size = len(data)
    if size == 0:
        raise Unreadable("the file is empty")
    if size > MAX_FILE_BYTES:
        raise Unreadable(f"the file is {size >> 20} MB; notebooks of this course are far smaller")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"the file is not a notebook (not JSON: {str(exc).splitlines()[0][:80]})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Unreadable("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    if raw.get("nbformat") not in (3, 4):
        raise Unreadable(f"nbformat {raw.get('nbformat')!r} is not supported (this course uses nbformat 4)")
    try:
        nb = nbformat.reads(text, as_version=4)  # converts nbformat 3
    except Exception as exc:
        raise Unreadable(f"the notebook is malformed ({str(exc).splitlines()[0][:80]})") from None
    cells = [c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not all(isinstance(s, str) for s in cells):
        raise Unreadable("the notebook is malformed (a cell's source is not text)")
    return cells


def defined_names(cells):
    """Names bound at the top level of any code cell (functions, assignments, imports)."""
    names = set()
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def which_notebook(path, cells, notebook=None):
    """The course notebook a submission belongs to: given, or by the exercises it defines, or by its
    file name (``01_chain_rule.ipynb``, ``01_chain_rule-alice.ipynb``); None when nothing matches."""
    notebooks = sorted({ex.notebook for ex in EXERCISES.values()})
    if notebook is not None:
        return notebook if notebook in notebooks else None
    names = defined_names(cells)
    counts = {nb: sum(ex.name in names for ex in EXERCISES.values() if ex.notebook == nb) for nb in notebooks}
    best = max(counts.values(), default=0)
    if best > 0:
        return min(nb for nb, c in counts.items() if c == best)
    match = re.match(r"(\d\d)[_-]", Path(path).name)
    return next((nb for nb in notebooks if match and nb.startswith(match.group(1) + "_")), None)
