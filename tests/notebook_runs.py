"""Running notebooks as learners do: shared helpers of the notebook tests."""
from pathlib import Path

import nbformat
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


