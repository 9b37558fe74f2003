"""Gradescope's autograder zip: grading that scales past one machine, one container per submission.

The zip holds ``setup.sh`` (installs Python and the course into /autograder/vgrad-venv),
``run_autograder`` (grades the one notebook in /autograder/submission and writes
/autograder/results/results.json) and ``source/``, the course package itself.
``run_autograder`` honours AUTOGRADER_ROOT (default /autograder) and VGRAD (the vgrad command), so
it can be tried on a local stand-in of that layout.
"""
import zipfile
from pathlib import Path

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
python3 -m venv /autograder/vgrad-venv
/autograder/vgrad-venv/bin/pip install --upgrade pip
/autograder/vgrad-venv/bin/pip install /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VGRAD="${VGRAD:-$ROOT/vgrad-venv/bin/vgrad}"
mkdir -p "$ROOT/results"
mapfile -t found < <(find "$ROOT/submission" -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
if [ "${#found[@]}" -ne 1 ]; then
  printf '{"score": 0, "output": "Submit exactly one .ipynb notebook (found %d).", "tests": []}\\n' \\
    "${#found[@]}" > "$ROOT/results/results.json"
  exit 0
fi
"$VGRAD" grade "${found[0]}" --format gradescope --quiet > "$ROOT/results/results.json.tmp" \\
  && mv "$ROOT/results/results.json.tmp" "$ROOT/results/results.json" \\
  || printf '{"score": 0, "output": "The grader could not run; please tell the course staff.", "tests": []}\\n' \\
       > "$ROOT/results/results.json"
"""

SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")


def course_root():
    """The checkout this package was installed from (it holds pyproject.toml next to src/)."""
    root = Path(__file__).resolve().parents[3]
    if not all((root / name).exists() for name in SOURCE_FILES):
        raise FileNotFoundError("build the Gradescope zip from a checkout of the course "
                                "(an editable install: `make test` or `pip install -e .`)")
    return root


def build_zip(out):
    """Write the autograder zip to ``out``; return the list of names it holds."""
    root = course_root()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, text)
        for name in SOURCE_FILES:
            z.write(root / name, f"source/{name}")
        for path in sorted((root / "src" / "vgrad").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                z.write(path, f"source/{path.relative_to(root).as_posix()}")
        return z.namelist()
