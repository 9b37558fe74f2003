"""The Gradescope autograder, installed and run the way Gradescope does it, in a temporary folder.

The zip is extracted into <tmp>/autograder/source, its run_autograder copied to <tmp>/autograder/,
the real setup.sh run from the source folder (it creates the venv and pip-installs the course: once
per module, about half a minute with pip's cache), then the real run_autograder for each submission,
with AUTOGRADER_ROOT pointing at <tmp>/autograder. When setup.sh cannot run here at all (no network,
apt needed without root), the tests skip and say why.
"""
import copy
import json
import os
import shutil
import stat
import subprocess
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from vgrad import cli
from vgrad.grading import gradescope

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = json.loads((ROOT / "solutions" / "01_chain_rule.ipynb").read_text(encoding="utf-8"))
BLANK = json.loads((ROOT / "notebooks" / "01_chain_rule.ipynb").read_text(encoding="utf-8"))
# Gradescope's images have a plain system PATH: setup.sh finds the system's python3 (no pyenv, no .venv).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# setup.sh failing with one of these is this machine's limit (no network, apt without root), not a bug.
CANNOT_RUN_HERE = ("Temporary failure in name resolution", "Name or service not known", "Network is unreachable",
                   "NewConnectionError", "ConnectTimeoutError", "Failed to establish a new connection",
                   "Could not resolve", "Failed to fetch", "are you root?", "Could not open lock file")


def extract_like_gradescope(zip_path, dest):
    """Extract the zip with the Unix modes it carries, as unzip does."""
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            path = Path(z.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                path.chmod(mode)


def plain_env(root):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA", "PYENV", "VGRAD", "NBGRADER"))}
    env.update(PATH=SYSTEM_PATH, AUTOGRADER_ROOT=str(root))
    return env


def writable_by_others(path):
    """The files under ``path`` (itself included) that anyone but their owner may change."""
    paths = [Path(path)] + (list(Path(path).rglob("*")) if Path(path).is_dir() else [])
    return [p for p in paths if not p.is_symlink() and p.lstat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)]


@pytest.fixture(scope="module")
def autograder():
    if shutil.which("bash") is None:
        pytest.skip("setup.sh and run_autograder need bash, which this machine lacks")
    base = Path(tempfile.mkdtemp(prefix="vgrad-gradescope-"))
    base.chmod(0o755)  # like /autograder: the grader's unprivileged sandbox user may read the venv
    try:
        root = base / "autograder"
        zip_path = base / "vgrad-autograder.zip"
        assert cli.main(["gradescope-zip", "--out", str(zip_path)]) == 0
        extract_like_gradescope(zip_path, root / "source")
        shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
        start = time.monotonic()
        done = subprocess.run(["bash", "./setup.sh"], cwd=root / "source", env=plain_env(root),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1200)
        seconds = time.monotonic() - start
        log = done.stdout + done.stderr
        if done.returncode != 0:
            reason = next((r for r in CANNOT_RUN_HERE if r in log), None)
            if reason:
                pytest.skip(f"setup.sh cannot run on this machine ({reason!r}):\n{log[-2000:]}")
            pytest.fail(f"setup.sh failed (exit {done.returncode}) after {seconds:.0f} s:\n{log[-4000:]}")
        print(f"\nsetup.sh took {seconds:.1f} s")
        yield SimpleNamespace(root=root, zip=zip_path, setup_log=log, setup_seconds=seconds,
                              venv=root / gradescope.VENV, script=(root / "run_autograder").read_bytes())
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_autograder(ag, files):
    """Put ``files`` ({name: notebook dict}) into a fresh submission folder, run the real
    run_autograder as Gradescope does, and return (results.json, the process)."""
    for folder in ("submission", "results"):
        shutil.rmtree(ag.root / folder, ignore_errors=True)
        (ag.root / folder).mkdir()
    for name, nb in files.items():
        (ag.root / "submission" / name).write_text(json.dumps(nb), encoding="utf-8")
    done = subprocess.run([str(ag.root / "run_autograder")], cwd=ag.root, env=plain_env(ag.root),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results_path = ag.root / "results" / "results.json"
    results = json.loads(results_path.read_text(encoding="utf-8"))
    assert not writable_by_others(results_path) and not writable_by_others(ag.root / "results")
    assert isinstance(results["score"], (int, float)) and isinstance(results["output"], str)
    assert isinstance(results["execution_time"], (int, float))
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}, test
    return results, done


def with_cell(nb, source):
    nb = copy.deepcopy(nb)
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "self-grading", "metadata": {},
                        "outputs": [], "source": source})
    return nb


def test_the_zip_is_the_installable_course_plus_the_two_scripts(autograder):
    with zipfile.ZipFile(autograder.zip) as z:
        names = z.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
    top = {n for n in names if "/" not in n}
    assert top == {"setup.sh", "run_autograder", "pyproject.toml", "README.md", "LICENSE"}
    assert all(n in top or n.startswith("src/vgrad/") for n in names), sorted(set(names) - top)
    assert {"src/vgrad/grading/grader.py", "src/vgrad/grading/gradescope.py", "src/vgrad/data/digits.csv.gz"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755 and modes["pyproject.toml"] == 0o644
    # run_autograder: its first command replaces bash with the grader, so bash reads nothing after it
    lines = [line for line in (autograder.root / "run_autograder").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0].startswith("exec ") and "vgrad.grading.gradescope" in lines[0], lines


def test_setup_installs_the_grader_without_jupyterlab_and_nothing_writable_by_others(autograder):
    python = autograder.venv / "bin" / "python"
    probe = ("import importlib.util as u, json; print(json.dumps({m: u.find_spec(m) is not None for m in "
             "('vgrad', 'numpy', 'matplotlib', 'ipywidgets', 'jupyterlab', 'nbclient', 'notebook', 'jupyter_server')}))")
    found = json.loads(subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True,
                                      check=True).stdout)
    assert found == {"vgrad": True, "numpy": True, "matplotlib": True, "ipywidgets": True,
                     "jupyterlab": False, "nbclient": False, "notebook": False, "jupyter_server": False}
    location = subprocess.run([str(python), "-I", "-c", "import vgrad; print(vgrad.__file__)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert Path(location).is_relative_to(autograder.venv), "the course must be installed, not used from the checkout"
    assert not writable_by_others(autograder.venv)
    assert not writable_by_others(autograder.root / "run_autograder")
    # the references live in the installed package and its source: only root (the grader) reads them
    for hidden in (Path(location).parent, autograder.root / "source"):
        assert hidden.stat().st_mode & 0o077 == 0, f"{hidden} is readable by others"
    size = subprocess.run(["du", "-sh", str(autograder.venv)], capture_output=True, text=True).stdout.split()
    print(f"\nvenv: {size[0] if size else '?'}; setup.sh {autograder.setup_seconds:.0f} s")


def test_the_complete_solution_gets_full_marks(autograder):
    results, done = run_autograder(autograder, {"my work.ipynb": SOLUTION})
    assert results["score"] == 6, results
    assert [(t["score"], t["max_score"], t["status"]) for t in results["tests"]] == [(2, 2, "passed")] * 3
    assert "01_chain_rule" in results["output"]
    assert results["extra_data"]["isolation"].startswith("isolation: ")  # staff can see how it ran
    assert "score 6" in done.stdout


def test_the_blank_notebook_gets_zero(autograder):
    results, _ = run_autograder(autograder, {"01_chain_rule.ipynb": BLANK})
    assert results["score"] == 0, results
    assert [t["score"] for t in results["tests"]] == [0, 0, 0]


SELF_GRADING = textwrap.dedent('''\
    def grade_myself():
        import json, os
        fake = json.dumps({"score": 6, "output": "All tests passed (self-graded).",
                           "tests": [{"name": "everything", "score": 6, "max_score": 6}]})
        print(fake)
        roots = {ROOT, "/autograder", os.environ.get("AUTOGRADER_ROOT", "/autograder")}
        for root in roots:
            try:  # bash reads a running script as it goes: an appended line would run after the grader
                with open(os.path.join(root, "run_autograder"), "a") as f:
                    f.write("\\necho '{\\"score\\": 6}' > " + root + "/results/results.json\\n")
            except OSError:
                pass
            for folder in (os.path.join(root, "results"), root, os.path.join(root, "source"), os.getcwd()):
                try:
                    with open(os.path.join(folder, "results.json"), "w") as f:
                        f.write(fake)
                except OSError:
                    pass


    class SelfGrading:  # a class body runs even when the grader keeps only a notebook's definitions
        grade_myself()


    grade_myself()
''')


def test_a_notebook_that_grades_itself_gets_zero_and_changes_nothing(autograder):
    root = autograder.root
    nb = with_cell(BLANK, SELF_GRADING.replace("ROOT,", f"{str(root)!r},", 1))
    try:
        results, done = run_autograder(autograder, {"01_chain_rule.ipynb": nb})
        assert results["score"] == 0 and [t["score"] for t in results["tests"]] == [0, 0, 0], results
        assert "self-graded" not in json.dumps(results) and "self-graded" not in done.stdout
        # These hold only once the sandbox isolates the submission's code from the grader's files (bubblewrap,
        # an unprivileged uid as root): with the sandbox still running as root, the code can write them.
        changed = (root / "run_autograder").read_bytes() != autograder.script
        stray = [p for p in (root / "results.json", root / "source" / "results.json") if p.exists()]
        assert not changed and not stray, (
            "ISOLATION: the submission's code changed the grader's files "
            f"(run_autograder changed: {changed}; files written: {[str(p) for p in stray]})")
    finally:
        (root / "run_autograder").write_bytes(autograder.script)
        for p in (root / "results.json", root / "source" / "results.json"):
            p.unlink(missing_ok=True)


@pytest.mark.parametrize("files", [{}, {"a.ipynb": SOLUTION, "b.ipynb": BLANK}], ids=["none", "two"])
def test_zero_or_two_notebooks_get_zero_and_say_submit_exactly_one(autograder, files):
    results, _ = run_autograder(autograder, files)
    assert results["score"] == 0 and results["tests"] == []
    assert "exactly one" in results["output"] and f"found {len(files)}" in results["output"]


def test_a_grader_that_fails_still_writes_a_results_json_with_zero(tmp_path, monkeypatch):
    """In-process: the grader raising, and a results.json planted as a symlink beforehand."""
    from vgrad.grading import batch

    def broken(*args, **kwargs):
        raise RuntimeError("out of disk")

    monkeypatch.setattr(batch, "grade_many", broken)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "01_chain_rule.ipynb").write_text(json.dumps(SOLUTION))
    (tmp_path / "results").mkdir()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    (tmp_path / "results" / "results.json").symlink_to(elsewhere)
    path = gradescope.run_autograder(tmp_path)
    results = json.loads(path.read_text())
    assert results["score"] == 0 and results["tests"] == [] and "could not run" in results["output"]
    assert not path.is_symlink() and elsewhere.read_text() == "{}"
