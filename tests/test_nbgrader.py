"""The learners' release works with nbgrader, checked with nbgrader's own tools.

``make test`` installs nbgrader in its own environment and points VGRAD_NBGRADER at its command;
without it (a plain ``pytest``) the tests that need nbgrader are skipped. nbgrader runs here as an
instructor would, with the course as shipped and no VGRAD_CHECK_RAISES: under nbgrader a check that
does not pass raises (so the grade cell scores 0), in a learner's kernel it only prints.
"""
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NBGRADER = os.environ.get("VGRAD_NBGRADER") and os.path.abspath(os.environ["VGRAD_NBGRADER"])
needs_nbgrader = pytest.mark.skipif(not NBGRADER, reason="VGRAD_NBGRADER is not set (make test sets it)")
NOTEBOOK = "01_chain_rule"  # three exercises of 2 points each
SIGN_ERROR = ("return s * (1 - s)", "return s * (s - 1)")  # a wrong sigmoid_prime


def nbgrader_python():
    return str(Path(NBGRADER).with_name("python"))


@needs_nbgrader
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


@needs_nbgrader
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


def with_sign_error(source):
    """A copy of a notebook whose sigmoid_prime has a sign error."""
    nb = nbformat.read(source, as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith("def sigmoid_prime(")]
    if "YOUR CODE HERE" in cell.source:
        cell.source = cell.source.replace("# YOUR CODE HERE\n    raise NotImplementedError()",
                                          "s = sigmoid(x)\n    " + SIGN_ERROR[1])
    else:
        cell.source = cell.source.replace(*SIGN_ERROR)
    assert SIGN_ERROR[1] in cell.source
    return nb


def nbgrader_env():
    """The environment an instructor runs nbgrader in: nothing of ours set."""
    env = {k: v for k, v in os.environ.items() if k not in ("VGRAD_CHECK_RAISES", "NBGRADER_EXECUTION")}
    # nbgrader runs its helpers (alembic, the kernel) from PATH: its own environment comes first
    env["PATH"] = str(Path(NBGRADER).parent) + os.pathsep + os.environ.get("PATH", "")
    return env


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One nbgrader course, autograded once: a complete, an untouched and a wrong submission of ps01.
    -> (folder, run nbgrader, {student: {grade_id: [score, max_score]}})"""
    tmp = tmp_path_factory.mktemp("nbgrader")
    folder = tmp / "course"
    (folder / "source" / "ps01").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", folder / "source" / "ps01")
    (folder / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(folder)!r}\nc.CourseDirectory.course_id = 'vgrad'\n"
        f"c.Exchange.root = {str(tmp / 'exchange')!r}\n")
    env = nbgrader_env()

    def nbgrader(*args):
        done = subprocess.run([NBGRADER, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout + done.stderr

    nbgrader("generate_assignment", "ps01", "--force")
    submissions = {
        "complete": nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4),
        "untouched": nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4),
        "wrong": with_sign_error(ROOT / "solutions" / f"{NOTEBOOK}.ipynb"),
    }
    for student, nb in submissions.items():
        (folder / "submitted" / student / "ps01").mkdir(parents=True)
        nbformat.write(nb, folder / "submitted" / student / "ps01" / f"{NOTEBOOK}.ipynb")
    nbgrader("autograde", "ps01", "--force")  # adds the students to its database as it meets them
    code = textwrap.dedent(f"""
        import json
        from nbgrader.api import Gradebook
        with Gradebook("sqlite:///{folder}/gradebook.db") as gb:
            print(json.dumps({{s: {{g.name: [g.score, g.max_score]
                                   for g in gb.find_submission_notebook({NOTEBOOK!r}, "ps01", s).grades}}
                              for s in {list(submissions)!r}}}))
    """)
    out = subprocess.run([nbgrader_python(), "-c", code], capture_output=True, text=True, check=True)
    return folder, nbgrader, json.loads(out.stdout)


EXERCISES_01 = ("check_sigmoid_prime", "check_chain_bound", "check_depth_below")


@needs_nbgrader
def test_nbgraders_release_is_ours(course):
    folder, _, _ = course
    release = nbformat.read(folder / "release" / "ps01" / f"{NOTEBOOK}.ipynb", as_version=4)
    ours = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in ours.cells]


@needs_nbgrader
def test_autograde_gives_the_complete_solution_full_marks(course):
    assert course[2]["complete"] == {g: [2.0, 2.0] for g in EXERCISES_01}


@needs_nbgrader
def test_autograde_gives_the_untouched_release_nothing(course):
    assert course[2]["untouched"] == {g: [0.0, 2.0] for g in EXERCISES_01}


@needs_nbgrader
def test_autograde_gives_a_wrong_answer_nothing_for_that_exercise_only(course):
    assert course[2]["wrong"] == {"check_sigmoid_prime": [0.0, 2.0], "check_chain_bound": [2.0, 2.0],
                                  "check_depth_below": [2.0, 2.0]}


@needs_nbgrader
def test_autograded_feedback_is_the_checks_own_message(course):
    folder = course[0]
    nb = nbformat.read(folder / "autograded" / "wrong" / "ps01" / f"{NOTEBOOK}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.source == "check(sigmoid_prime)"]
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert error.ename == "AssertionError" and "case 1 of" in error.evalue


@needs_nbgrader
def test_validate_fails_an_untouched_notebook(course):
    folder, nbgrader, _ = course
    out = nbgrader("validate", str(folder / "submitted" / "untouched" / "ps01" / f"{NOTEBOOK}.ipynb"))
    assert "VALIDATION FAILED ON 3 CELL(S)" in out and "Success!" not in out
    assert "not attempted yet" in out  # the learner is told why, in the check's words


@needs_nbgrader
def test_validate_passes_a_complete_notebook(course):
    folder, nbgrader, _ = course
    out = nbgrader("validate", str(folder / "submitted" / "complete" / "ps01" / f"{NOTEBOOK}.ipynb"))
    assert "Success! Your notebook passes all the tests." in out and "FAILED" not in out


def test_in_a_learners_kernel_a_failing_check_prints_and_run_all_goes_on(monkeypatch):
    """No nbgrader: the wrong sigmoid_prime and the two exercises not yet attempted each print their
    verdict; no cell raises (``execute`` would stop at the first error)."""
    monkeypatch.delenv("VGRAD_CHECK_RAISES", raising=False)  # the kernel inherits this environment
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = with_sign_error(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb")
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    printed = {c.source: "".join(o.get("text", "") for o in c.outputs)
               for c in nb.cells if c.source in ("check(sigmoid_prime)", "check(chain_bound)")}
    assert printed["check(sigmoid_prime)"].startswith("❌ Exercise 1.1")
    assert printed["check(chain_bound)"].startswith("⏳") and "not attempted yet" in printed["check(chain_bound)"]
    assert not any(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_checks_raise_under_nbgrader_or_when_asked(monkeypatch, capsys):
    from vgrad.exercises import check, runner

    def chain_bound(n, w):
        return 0.0

    monkeypatch.setattr(runner, "_failed_attempts", {})  # leave other tests' hint counts alone
    monkeypatch.delenv("VGRAD_CHECK_RAISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    check(chain_bound)
    assert "❌" in capsys.readouterr().out
    for mode in ("autograde", "validate"):  # what nbgrader sets in the kernels it starts
        monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        with pytest.raises(AssertionError, match="Exercise 1.2"):
            check(chain_bound)
    monkeypatch.setenv("VGRAD_CHECK_RAISES", "0")  # an explicit override wins either way
    check(chain_bound)
    assert "❌" in capsys.readouterr().out
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("VGRAD_CHECK_RAISES", "1")
    with pytest.raises(AssertionError, match="Exercise 1.2"):
        check(chain_bound)
