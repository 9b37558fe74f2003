"""The learners' release works with nbgrader, checked with nbgrader's own tools.

``make test`` installs nbgrader in its own environment and points VGRAD_NBGRADER at its command;
without it (a plain ``pytest``) these tests are skipped.
"""
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBGRADER = os.environ.get("VGRAD_NBGRADER") and os.path.abspath(os.environ["VGRAD_NBGRADER"])
pytestmark = pytest.mark.skipif(not NBGRADER, reason="VGRAD_NBGRADER is not set (make test sets it)")


def nbgrader_python():
    return str(Path(NBGRADER).with_name("python"))


def test_metadata_passes_nbgraders_validator():
    code = textwrap.dedent("""
        import glob, nbformat
        from nbgrader.nbgraderformat import MetadataValidator
        paths = sorted(glob.glob("notebooks/*.ipynb") + glob.glob("solutions/*.ipynb"))
        for path in paths:
            MetadataValidator().validate_nb(nbformat.read(path, as_version=4))
        print(len(paths))
    """)
    out = subprocess.run([nbgrader_python(), "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(out.stdout) == 2 * len(list((ROOT / "notebooks").glob("*.ipynb")))


def test_grade_cells_carry_the_registrys_points():
    from vgrad.exercises import EXERCISES

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        grading = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
        ids = [g["grade_id"] for g in grading]
        assert len(ids) == len(set(ids))
        for g in grading:
            if g["grade"]:
                assert g["points"] == EXERCISES[g["grade_id"].removeprefix("check_")].points


def test_generate_assignment_and_autograde(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "ps01").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "01_chain_rule.ipynb", course / "source" / "ps01")
    for student, origin in (("alice", "solutions"), ("bob", "notebooks")):
        folder = course / "submitted" / student / "ps01"
        folder.mkdir(parents=True)
        shutil.copy(ROOT / origin / "01_chain_rule.ipynb", folder)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'vgrad'\n"
        f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    # nbgrader runs its helpers (alembic, the kernel) from PATH: its own environment comes first
    env = {**os.environ, "VGRAD_CHECK_RAISES": "1",
           "PATH": str(Path(NBGRADER).parent) + os.pathsep + os.environ.get("PATH", "")}

    def nbgrader(*args):
        done = subprocess.run([NBGRADER, *args], cwd=course, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"

    nbgrader("generate_assignment", "ps01", "--force")
    release = nbformat.read(course / "release" / "ps01" / "01_chain_rule.ipynb", as_version=4)
    ours = nbformat.read(ROOT / "notebooks" / "01_chain_rule.ipynb", as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in ours.cells]  # nbgrader's release is ours
    nbgrader("db", "student", "add", "alice")
    nbgrader("db", "student", "add", "bob")
    nbgrader("autograde", "ps01", "--force")
    code = textwrap.dedent(f"""
        import json
        from nbgrader.api import Gradebook
        with Gradebook("sqlite:///{course}/gradebook.db") as gb:
            print(json.dumps({{s: [gb.find_submission("ps01", s).score, gb.find_submission("ps01", s).max_score]
                              for s in ("alice", "bob")}}))
    """)
    out = subprocess.run([nbgrader_python(), "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"alice": [6.0, 6.0], "bob": [0.0, 6.0]}


def test_checks_raise_only_when_asked(monkeypatch, capsys):
    from vgrad.exercises import check

    def chain_bound(n, w):
        return 0.0

    check(chain_bound)
    assert "❌" in capsys.readouterr().out
    monkeypatch.setenv("VGRAD_CHECK_RAISES", "1")
    with pytest.raises(AssertionError, match="Exercise 1.2"):
        check(chain_bound)
