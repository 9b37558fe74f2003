"""Gradescope's autograder: the zip to upload, and what runs for each submission.

Gradescope extracts the zip into /autograder/source, runs ``setup.sh`` from there once (as root) when it
builds the image, and for every submission runs /autograder/run_autograder (a copy of the zip's
``run_autograder``) as root, with the submitted files in /autograder/submission; it reads the grades from
/autograder/results/results.json. So the zip's root is the course package itself (``pip install
/autograder/source`` works) plus those two scripts:

- ``setup.sh`` installs Python and bubblewrap if missing, then the course with only what grading needs
  (its plain dependencies: no JupyterLab, no nbclient) into /autograder/vgrad-venv;
- ``run_autograder`` is two lines: its first command ``exec``s the grader, ``python -I -m
  vgrad.grading.gradescope``, so bash reads nothing more of it (a submission that appends to it while it
  runs changes nothing). The grader (``run_autograder`` below) finds the one notebook, grades it and
  writes results.json itself; the submission's code runs in the grader's sandbox and is never told where
  the results go.

Both honour AUTOGRADER_ROOT (default /autograder), so they can be tried on a local stand-in of that layout.
"""
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

DEFAULT_ROOT = "/autograder"
VENV = "vgrad-venv"  # under the root

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, from /autograder/source, when it builds the autograder image.
#
# Base image: Ubuntu 24.04 (Python 3.12). numpy >= 2.3 and matplotlib >= 3.11, the versions the course
# is tested with, need Python >= 3.11; on Ubuntu 22.04 (Python 3.10) pip can install only numpy 2.2 and
# matplotlib 3.10. Grading works there too, but on older versions than the course is tested with.
#
# Installs with apt only what is missing: python3 and python3-venv, and bubblewrap (the grader isolates
# each submission with it where the kernel allows). Then the course, with only what grading needs (no
# JupyterLab, no nbclient), into $AUTOGRADER_ROOT/vgrad-venv. AUTOGRADER_ROOT defaults to /autograder.
set -euo pipefail
umask 022
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/vgrad-venv"
rm -rf "$VENV"
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
python3 -m venv "$VENV" >/dev/null 2>&1 || { rm -rf "$VENV"; missing+=(python3 python3-venv); }
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]} with apt"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/source"
# The submission's code must not be able to change the grader: nothing it runs is writable but by root.
chmod -R go-w "$VENV" "$ROOT/source"
if [ -e "$ROOT/run_autograder" ]; then chmod 755 "$ROOT/run_autograder"; fi
# Nor readable, where it holds the references: the grader (root) gives each sandbox a copy without
# them. This matters where the container forbids bubblewrap's namespaces (reduced isolation).
chmod -R go-rwx "$ROOT/source" "$("$VENV/bin/python" -I -c 'import os, vgrad; print(os.path.dirname(vgrad.__file__))')"
"$VENV/bin/python" -I -c 'import vgrad.grading.gradescope, vgrad.grading.grader, vgrad.grading.sandbox'
"$VENV/bin/python" -c 'import sys; print("setup.sh: the course is installed for Python", sys.version.split()[0])'
"""

RUN = """#!/bin/bash
# The grader replaces bash at once: nothing after this line is ever read, whatever is appended to it.
exec "${AUTOGRADER_ROOT:-/autograder}/vgrad-venv/bin/python" -I -m vgrad.grading.gradescope
"""

SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")


def course_root():
    """The checkout this package was installed from (it holds pyproject.toml next to src/)."""
    root = Path(__file__).resolve().parents[3]
    if not all((root / name).exists() for name in SOURCE_FILES):
        raise FileNotFoundError("build the Gradescope zip from a checkout of the course "
                                "(an editable install: `make test` or `pip install -e .`)")
    return root


def _package_files(root):
    """The package's files: sources and data, no caches, nothing hidden."""
    for path in sorted((root / "src" / "vgrad").rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix != ".pyc" and not any(
                part == "__pycache__" or part.startswith(".") for part in rel.parts):
            yield path, rel.as_posix()


def build_zip(out):
    """Write the autograder zip to ``out``; return the list of names it holds.

    Its root: setup.sh, run_autograder, and the course package (pyproject.toml, README.md, LICENSE,
    src/vgrad/...), so that Gradescope's /autograder/source is installable as it stands."""
    root = course_root()
    entries = [("setup.sh", SETUP.encode(), 0o755), ("run_autograder", RUN.encode(), 0o755)]
    entries += [(name, (root / name).read_bytes(), 0o644) for name in SOURCE_FILES]
    entries += [(name, path.read_bytes(), 0o644) for path, name in _package_files(root)]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix, so that unzip applies the modes below
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        return z.namelist()


# ---- run_autograder: one submission ----------------------------------------------------------------

def _submitted_notebooks(folder):
    """The .ipynb files submitted: regular files only, none hidden (checkpoints) or from __MACOSX."""
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.rglob("*.ipynb"))
            if p.is_file() and not p.is_symlink()
            and not any(part.startswith((".", "__MACOSX")) for part in p.relative_to(folder).parts)]


def _zero(message, start):
    return json.dumps({"score": 0, "execution_time": round(time.monotonic() - start, 2), "output": message,
                       "tests": []}, indent=2)


def write_results(folder, text):
    """Write ``results.json`` into ``folder`` atomically (a temporary file, then a rename), replacing
    whatever is there, a symlink or a folder included."""
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.geteuid():
        folder.chmod(0o755)
    target = folder / "results.json"
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def run_autograder(root=DEFAULT_ROOT):
    """Grade the one notebook in ``root/submission`` and write ``root/results/results.json``.

    Zero or several notebooks, or a grader that fails, give a score of 0 with a message saying why.
    Only this (trusted) process writes the results; the submission's code runs in the grader's sandbox
    and is given the notebook's code cells, never a path."""
    start = time.monotonic()
    root = Path(root)
    try:
        found = _submitted_notebooks(root / "submission")
        if len(found) != 1:
            names = ", ".join(p.name for p in found)
            text = _zero(f"Submit exactly one .ipynb notebook (found {len(found)}{': ' + names if names else ''}).",
                         start)
        else:
            from . import reports
            from .batch import grade_many

            result = grade_many(found, jobs=1, progress=False)[0]
            text = reports.gradescope(result)
    except BaseException as exc:  # noqa: BLE001  (whatever happens, Gradescope gets a results.json)
        traceback.print_exc()
        text = _zero(f"The grader could not run ({type(exc).__name__}); please tell the course staff. "
                     "Your submission is not at fault.", start)
    return write_results(root / "results", text)


def main():
    root = os.environ.pop("AUTOGRADER_ROOT", "") or DEFAULT_ROOT  # not passed on to the sandbox
    path = run_autograder(root)
    summary = json.loads(path.read_text(encoding="utf-8"))
    print(f"vgrad: wrote {path}: score {summary['score']:g}. {summary.get('output', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
