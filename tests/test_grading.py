"""vgrad grade: right scores for honest work, and nothing for hostile submissions.

Each hostile submission is graded in one batch with an honest, complete one: the hostile file must
earn no point it did not earn, the grader must not crash, the honest one must get full marks, and
every submitted file must be left byte for byte as it was.
"""
import copy
import hashlib
import json
import time
from pathlib import Path

import nbformat
import pytest

from vgrad import cli
from vgrad.grading.batch import grade_many
from vgrad.grading.grader import Limits, grade_submission
from vgrad.grading.notebook_file import Unreadable, read_cells

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = nbformat.read(ROOT / "solutions" / "01_chain_rule.ipynb", as_version=4)
STUDENT = nbformat.read(ROOT / "notebooks" / "01_chain_rule.ipynb", as_version=4)
FAST = Limits(cell_timeout=2.0, call_timeout=1.0, timeout=20.0, memory_mb=1024)
EVERY_CELL = Limits(cell_timeout=2.0, call_timeout=1.0, timeout=20.0, memory_mb=1024, run_all_cells=True)


def notebook(base, extra_cells=(), edit=None):
    nb = copy.deepcopy(base)
    for source in extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    if edit:
        edit(nb)
    return nb


def write(tmp_path, name, nb_or_text):
    path = tmp_path / name
    if isinstance(nb_or_text, (str, bytes)):
        path.write_bytes(nb_or_text if isinstance(nb_or_text, bytes) else nb_or_text.encode())
    else:
        nbformat.write(nb_or_text, path)
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grade_with_honest(tmp_path, hostile, seed=7, limits=FAST):
    """Grade ``hostile`` next to a complete solution; return the hostile one's result."""
    honest = write(tmp_path, "01_chain_rule-honest.ipynb", SOLUTION)
    paths = [hostile, honest]
    before = {p: digest(p) for p in paths}
    results = grade_many(paths, jobs=2, progress=False, limits=limits, seed=seed)
    assert results[1].score == results[1].max_score == 6, results[1].exercises
    assert {p: digest(p) for p in paths} == before, "a submitted file was changed"
    return results[0]


def test_solutions_get_full_marks_and_learner_notebooks_zero():
    names = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
    assert len(names) >= 5
    for name in names:
        full = grade_submission(ROOT / "solutions" / f"{name}.ipynb", limits=FAST)
        assert full.score == full.max_score > 0 and not full.error, full.exercises
        empty = grade_submission(ROOT / "notebooks" / f"{name}.ipynb", limits=FAST)
        assert empty.score == 0 and empty.max_score == full.max_score
        assert all(e.status == "not_attempted" for e in empty.exercises)


def test_partial_work_earns_exactly_its_exercises(tmp_path):
    done = {c.source.split("(")[0].split()[-1]: c.source for c in SOLUTION.cells
            if c.cell_type == "code" and "BEGIN SOLUTION" in c.source}

    def finish_two(nb):
        for cell in nb.cells:
            for name in ("sigmoid_prime", "depth_below"):
                if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
                    cell.source = done[name]

    path = write(tmp_path, "01_chain_rule-partial.ipynb", notebook(STUDENT, edit=finish_two))
    res = grade_submission(path, limits=FAST)
    assert {e.name: e.score for e in res.exercises} == {"sigmoid_prime": 2, "chain_bound": 0, "depth_below": 2}


def test_fresh_inputs_every_run_unless_a_seed_is_given(tmp_path):
    # a function right only on the notebook's own check inputs fails the grader's fresh ones
    from vgrad.exercises import get_exercise
    from vgrad.exercises.runner import NOTEBOOK_SEED
    import numpy as np

    ex = get_exercise("chain_bound")
    known = {(c.args[0], c.args[1]): ex.reference(*c.args) for c in ex.cases(np.random.default_rng(NOTEBOOK_SEED))}
    memorised = f"ANSWERS = {known!r}\ndef chain_bound(n, w):\n    return ANSWERS.get((n, w), 0.0)\n"
    res = grade_with_honest(tmp_path, write(tmp_path, "01_chain_rule-memorised.ipynb", notebook(STUDENT, [memorised])))
    assert {e.name: e.score for e in res.exercises}["chain_bound"] == 0


HOSTILE = {
    "redefines_check": ["from vgrad import exercises\nexercises.check = lambda *a, **k: print('✅ all pass')\n"
                        "def check(*a, **k):\n    print('✅ all pass [2/2 points]')\ncheck(chain_bound)"],
    "patches_numpy": ["import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                      "np.array_equal = lambda *a, **k: True\nnp.asarray = lambda *a, **k: 1.0\n"
                      "def chain_bound(n, w):\n    return -1.0"],
    "patches_the_course": ["import vgrad.exercises.runner as r, vgrad.exercises.registry as g\n"
                           "r.judge = lambda *a, **k: None\ng.close = lambda *a, **k: (lambda e, x: None)\n"
                           "for ex in g.EXERCISES.values():\n    object.__setattr__(ex, 'compare', lambda e, x: None)\n"
                           "def sigmoid_prime(x):\n    return 0"],
    "prints_a_result": ["import json\nprint(json.dumps({'score': 6, 'tests': [{'name': 'x', 'score': 6, 'max_score': 6}]}))\n"
                        "open('results.json', 'w').write('{\"score\": 6}')\n"
                        "import sys\nsys.stderr.write('READY\\n{}\\n')"],
    "exits_at_import": ["import sys\nsys.exit(0)"],
    "hard_exit": ["import os\nos._exit(0)"],
    "kills_itself": ["import os, signal\ntry:\n    os.kill(os.getpid(), 9)\nexcept Exception:\n    pass\n"
                     "signal.raise_signal(signal.SIGKILL)"],
    "keyboard_interrupt_at_import": ["raise KeyboardInterrupt"],
    "system_exit_in_function": ["def chain_bound(n, w):\n    raise SystemExit(0)"],
    "infinite_loop_at_top": ["while True:\n    pass"],
    "infinite_loop_in_function": ["def depth_below(threshold, w=1.0):\n    while True:\n        pass"],
    "huge_allocation": ["import numpy as np\nx = np.ones(5 * 10**8)  # 4 GB: fits this machine, not the 1 GB limit\n"
                        "def chain_bound(n, w):\n    return np.ones(5 * 10**8)"],
    "fork_bomb_guarded": ["import os, subprocess\nkids = 0\nfor _ in range(20):\n    try:\n        if os.fork() == 0:\n"
                          "            import time; time.sleep(30); os._exit(0)\n        kids += 1\n    except Exception:\n"
                          "        pass\ntry:\n    subprocess.Popen(['sleep', '30'])\nexcept Exception:\n    pass"],
    "imports_the_reference": ["from vgrad.theory import depth_below\nfrom vgrad.nn import sigmoid_grad as sigmoid_prime"],
    "wraps_the_reference": ["from vgrad import theory\ndef chain_bound(n, w):\n    return float(theory.sigmoid_chain_bound(n, w))\n"
                            "def depth_below(threshold, w=1.0):\n    f = theory.depth_below\n    return f(threshold, w)"],
    "returns_an_object_equal_to_everything": ["class Any(float):\n    def __eq__(self, other):\n        return True\n"
                                              "    __ne__ = lambda self, other: False\n"
                                              "def chain_bound(n, w):\n    return Any(0.0)"],
    "renamed_exercise": ["def chain_bound_v2(n, w):\n    return (abs(w) / 4) ** n"],
}


@pytest.mark.parametrize("limits", [FAST, EVERY_CELL], ids=["definitions", "every-cell"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_submissions_earn_nothing(tmp_path, name, limits):
    path = write(tmp_path, f"01_chain_rule-{name}.ipynb", notebook(STUDENT, HOSTILE[name]))
    res = grade_with_honest(tmp_path, path, limits=limits)
    assert res.score == 0, [(e.name, e.score, e.feedback) for e in res.exercises]
    assert res.max_score == 6 and len(res.exercises) == 3


def test_hostile_code_in_the_function_window_earns_nothing(tmp_path):
    # a correct-looking wrapper around the course's own code, used only while the grader calls it
    src = "def sigmoid_prime(x):\n    from vgrad.nn.activations import ACTIVATIONS\n    return ACTIVATIONS['sigmoid'].df(x)"
    res = grade_with_honest(tmp_path, write(tmp_path, "01_chain_rule-laundered.ipynb", notebook(STUDENT, [src])))
    assert {e.name: e.status for e in res.exercises}["sigmoid_prime"] == "not_own_work"


def test_edited_points_and_metadata_change_nothing(tmp_path):
    def tamper(nb):
        nb.metadata["vgrad"] = {"notebook": "02_deep_sigmoid_net", "points": 1000}
        for cell in nb.cells:
            cell.metadata["nbgrader"] = {"grade": True, "points": 1000, "grade_id": "x", "solution": False}

    res = grade_with_honest(tmp_path, write(tmp_path, "01_chain_rule-meta.ipynb", notebook(SOLUTION, edit=tamper)))
    assert res.score == res.max_score == 6 and res.notebook == "01_chain_rule"


def test_deleted_and_reordered_cells(tmp_path):
    def shuffle(nb):
        nb.cells = nb.cells[::-1]

    res = grade_with_honest(tmp_path, write(tmp_path, "01_chain_rule-reversed.ipynb", notebook(SOLUTION, edit=shuffle)))
    assert res.score == 6  # the work is all there, in another order

    def delete(nb):
        nb.cells = [c for c in nb.cells if "def chain_bound" not in c.source]

    res = grade_with_honest(tmp_path, write(tmp_path, "01_chain_rule-deleted.ipynb", notebook(SOLUTION, edit=delete)))
    assert {e.name: e.score for e in res.exercises} == {"sigmoid_prime": 2, "chain_bound": 0, "depth_below": 2}
    assert {e.name: e.status for e in res.exercises}["chain_bound"] == "missing"


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"not json at all", "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b'{"cells": []}', "not a Jupyter notebook"),
    (b'{"nbformat": 5, "nbformat_minor": 0, "cells": []}', "nbformat 5"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": "oops", "metadata": {}}', "malformed"),
])
def test_unreadable_files_get_one_line_and_zero(tmp_path, content, reason, capsys):
    path = write(tmp_path, "submission.ipynb", content)
    res = grade_submission(path, limits=FAST)
    assert reason in res.error and "\n" not in res.error and res.score == 0
    assert cli.main(["grade", str(path), "--quiet"]) == 0
    out = capsys.readouterr()
    assert reason in out.out and "Traceback" not in out.out + out.err


def test_a_notebook_of_another_course(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def solve(x):\n    return x")])
    res = grade_submission(write(tmp_path, "homework.ipynb", nb), limits=FAST)
    assert res.score == 0 and "no exercise of this course" in res.error


def test_an_nbformat_3_notebook_is_converted_and_graded(tmp_path):
    v3 = nbformat.v3.new_notebook()
    v3.worksheets = [nbformat.v3.new_worksheet(cells=[
        nbformat.v3.new_code_cell(input=c.source) for c in SOLUTION.cells if c.cell_type == "code"])]
    path = write(tmp_path, "01_chain_rule-old.ipynb", nbformat.writes(v3, version=3))
    assert grade_submission(path, limits=FAST).score == 6


def test_formats_and_gradebook(tmp_path, capsys):
    good = write(tmp_path, "01_chain_rule-a.ipynb", SOLUTION)
    blank = write(tmp_path, "01_chain_rule-b.ipynb", STUDENT)
    assert cli.main(["grade", str(good), "--format", "gradescope", "--quiet"]) == 0
    gs = json.loads(capsys.readouterr().out)
    assert gs["score"] == 6 and len(gs["tests"]) == 3
    assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(gs["tests"][0])
    assert cli.main(["grade", str(tmp_path), "--format", "json", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(Path(r["path"]).name, r["score"]) for r in rows] == [(good.name, 6), (blank.name, 0)]
    csv = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert csv[0].startswith("submission,notebook,sigmoid_prime,chain_bound,depth_below,total")
    assert csv[1].startswith("01_chain_rule-a.ipynb,01_chain_rule,2.0,2.0,2.0,6.0,6")
    assert json.loads((tmp_path / "out" / "01_chain_rule-b.json").read_text())["score"] == 0
    assert cli.main(["grade", str(tmp_path), "--format", "gradescope"]) == 2  # one submission only


def test_read_cells_rejects_non_text_sources():
    with pytest.raises(Unreadable, match="malformed"):
        read_cells("x.ipynb", json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                          "cells": [{"cell_type": "code", "id": "a1", "source": 5, "metadata": {},
                                                     "outputs": [], "execution_count": None}]}).encode())


def test_a_function_that_swallows_its_time_limit_costs_only_its_own_points(tmp_path):
    src = ("import time\ndef chain_bound(n, w):\n    while True:\n        try:\n            time.sleep(0.05)\n"
           "        except BaseException:\n            pass")
    path = write(tmp_path, "01_chain_rule-stubborn.ipynb", notebook(SOLUTION, [src]))
    start = time.monotonic()
    res = grade_submission(path, limits=Limits(cell_timeout=1.0, call_timeout=0.5, timeout=20.0, memory_mb=1024))
    assert time.monotonic() - start < 20 + 15  # the submission's whole budget, and the clean-up
    assert {e.name: e.score for e in res.exercises} == {"sigmoid_prime": 2, "chain_bound": 0, "depth_below": 2}
    assert {e.name: e.status for e in res.exercises}["chain_bound"] == "timeout"


def test_cells_that_never_finish_are_stopped(tmp_path):
    src = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except BaseException:\n        pass"

    def run_everything(nb):  # a NameError in the fast path sends grading to the full run
        nb.cells.append(nbformat.v4.new_code_cell("SCALE = float('4')\ndef chain_bound(n, w):\n    return (abs(w) / SCALE) ** n"))

    path = write(tmp_path, "01_chain_rule-loop.ipynb", notebook(SOLUTION, [src], edit=run_everything))
    res = grade_submission(path, limits=Limits(cell_timeout=1.0, call_timeout=0.5, timeout=3.0, memory_mb=1024))
    assert res.score == 0 and "did not finish" in res.error
