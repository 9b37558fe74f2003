"""vgrad grade against hostile *files*: whatever a student submits (a pathological notebook, a
symbolic link, a FIFO, a device, a name made to mislead), the grader stays within bounded memory,
never hangs, grades it 0 with a one-line reason, and writes outputs that are safe to open.

Each test fails when the protection it names is removed.
"""
import copy
import csv
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from vgrad import cli
from vgrad.grading import reports
from vgrad.grading.batch import grade_many
from vgrad.grading.grader import Limits, SubmissionResult, grade_submission
from vgrad.grading.notebook_file import (MAX_CELL_CHARS, MAX_CELLS, MAX_FILE_BYTES, MAX_SOURCE_CHARS, Unreadable,
                                         defined_names, find_submissions, read_cells, read_submission)

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_FILE = ROOT / "solutions" / "01_chain_rule.ipynb"  # full marks: 6
SOLUTION = nbformat.read(SOLUTION_FILE, as_version=4)
STUDENT = nbformat.read(ROOT / "notebooks" / "01_chain_rule.ipynb", as_version=4)  # blank: 0
FAST = Limits(cell_timeout=2.0, call_timeout=1.0, timeout=20.0, memory_mb=1024)
SECRET = "S3CR3T" * 50  # file content that must never be echoed in a reason
ESC = "\x1b"


def notebook_bytes(cells=(), base=STUDENT, **top):
    """A notebook as bytes: ``base``'s cells plus code ``cells``, with top-level fields ``top``."""
    nb = copy.deepcopy(base)
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    raw = json.loads(nbformat.writes(nb))
    raw.update(top)
    return json.dumps(raw).encode()


def code_cells(*sources, **top):
    """A minimal nbformat 4 notebook with these code cells, as bytes."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, **top,
                       "cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": []}
                                 for s in sources]}).encode()


def in_a_thread(fn, *args, wait=60):
    """``fn(*args)`` run in a daemon thread, its result or exception passed on: a test that fails,
    rather than hangs, should ``fn`` block."""
    out = {}

    def run():
        try:
            out["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001  (raised again below, in the test's thread)
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(wait)
    assert not thread.is_alive(), f"{fn.__name__} blocked"
    if "error" in out:
        raise out["error"]
    return out["result"]


# ---- reading a notebook: every bound ends in a one-line reason ------------------------------------

REFUSED = {
    "deep JSON (100,000 levels)": (b"[" * 100_000 + b"]" * 100_000, "nested over"),
    "deep JSON in a field": (b'{"nbformat": 4, "metadata": ' + b'{"a": ' * 100_000 + b'1' + b'}' * 100_001,
                             "nested over"),
    "too many JSON items": (b'{"nbformat": 4, "cells": [], "x": [' + b"{}," * 600_000 + b"{}]}", "JSON items"),
    "a string of escapes": (b'{"nbformat": 4, "cells": [], "x": "' + b'\\"[' * 600_000 + b'"}', "JSON items"),
    "an unterminated string of escapes": (b'"' + b'\\"[' * 300_000, "not JSON"),
    "too many cells": (code_cells(*["x = 1"] * (MAX_CELLS + 1)), "cells"),
    "too many nbformat 3 cells": (json.dumps({"nbformat": 3, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1"}] * (MAX_CELLS // 2 + 1)}] * 2}).encode(), "cells"),
    "a huge cell": (code_cells("x = 1\n" * (MAX_CELL_CHARS // 6 + 1)), "characters"),
    "too much code in all": (code_cells(*["x = 1\n" * (MAX_CELL_CHARS // 6)] * (MAX_SOURCE_CHARS // MAX_CELL_CHARS + 1)),
                             "characters of code"),
    "a lone surrogate": (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "x = 1  # \\ud800"}]}', "surrogate"),
    "a NUL in the source": (code_cells("x = 1\x00"), "NUL"),
    "a NUL in a source line": (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["x = 1\\n", "\\u0000"]}]}',
                               "NUL"),
    "a source that is a number": (code_cells(5), "not text"),
    "a source list holding a number": (code_cells(["x = 1\n", 5]), "not text"),
    "a source that is a dict": (code_cells({"code": SECRET}), "not text"),
    "cells that are not a list": (b'{"nbformat": 4, "cells": {"a": 1}}', "malformed"),
    "a cell that is not an object": (b'{"nbformat": 4, "cells": ["' + SECRET.encode() + b'"]}', "malformed"),
    "not UTF-8": (b'{"nbformat": 4, "cells": [], "x": "\xff' + SECRET.encode() + b'"}', "not UTF-8"),
    "UTF-16": ('{"nbformat": 4, "cells": []}'.encode("utf-16"), "not UTF-8"),
    "a huge nbformat": (b'{"nbformat": "' + SECRET.encode() + b'", "cells": []}', "nbformat"),
    "nbformat true": (b'{"nbformat": true, "cells": []}', "nbformat True"),
    "a 5000-digit number": (b'{"nbformat": 4, "cells": [], "x": ' + b"7" * 5000 + b"}", "not JSON"),
    "JSON text after the notebook": (code_cells("x = 1") + SECRET.encode(), "not JSON"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_notebook_is_refused_with_one_short_line(name):
    data, reason = REFUSED[name]
    with pytest.raises(Unreadable) as err:
        read_cells("x.ipynb", data)
    message = str(err.value)
    assert reason in message and "\n" not in message and len(message) <= 150, message
    assert "S3CR3T" * 8 not in message  # never echoes more than a few words of the file


def test_a_bad_notebook_gets_zero_and_its_reason_end_to_end(tmp_path, capsys):
    path = tmp_path / "01_chain_rule-deep.ipynb"
    path.write_bytes(REFUSED["deep JSON (100,000 levels)"][0])
    res = grade_submission(path, limits=FAST)
    assert res.score == 0 and "nested over" in res.error
    assert cli.main(["grade", str(path), "--quiet"]) == 0
    out = capsys.readouterr()
    assert "nested over" in out.out and "Traceback" not in out.out + out.err


@pytest.mark.parametrize("minor", ["five", 4.5, None, {"a": [1]}, -1])
def test_nbformat_minor_of_any_type_is_ignored(tmp_path, minor):
    path = tmp_path / "01_chain_rule-minor.ipynb"
    path.write_bytes(notebook_bytes(base=SOLUTION, nbformat_minor=minor))
    assert len(read_cells(path)) == sum(c.cell_type == "code" for c in SOLUTION.cells)
    if minor == "five":  # one end-to-end run is enough
        assert grade_submission(path, limits=FAST).score == 6


def test_sources_as_text_or_lines_in_nbformat_4_and_3():
    v4 = code_cells("a = 1\n", ["def f():\n", "    return 2\n"])
    v3 = json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ["b = 1\n", "c = 2\n"]}, {"cell_type": "markdown", "source": "# hi"}]},
        {"cells": [{"cell_type": "code", "input": "d = 3"}]}]}).encode()
    assert read_cells("x", v4) == ["a = 1\n", "def f():\n    return 2\n"]
    assert read_cells("x", v3) == ["b = 1\nc = 2\n", "d = 3"]
    assert defined_names(read_cells("x", v3)) == {"b", "c", "d"}


# ---- parsing student code in the grader ---------------------------------------------------------

MONSTERS = {
    "100,000-term sum": "x = " + "+".join(["1"] * 100_000),
    "100,000-deep attribute chain": "x = a" + ".b" * 100_000,
    "deeply nested parentheses": "x = " + "(" * 100_000 + ")" * 100_000,
    "100,000 unary minuses": "x = " + "-" * 100_000 + "1",
    "a NUL byte": "y = 1\x00",
    "a lone surrogate": "z = '\ud800'",
    "not Python": "def (:",
}


def test_code_that_breaks_the_parser_defines_nothing():
    assert defined_names([*MONSTERS.values(), "def kept(): pass"]) == {"kept"}


def test_a_cell_that_breaks_the_parser_leaves_the_rest_graded(tmp_path):
    monster = "x = " + "+".join(["1"] * 40_000)  # within the cell limit, too deep for ast
    assert len(monster) < MAX_CELL_CHARS
    path = tmp_path / "submission.ipynb"  # no notebook number in the name: found by its functions
    path.write_bytes(notebook_bytes([monster], base=SOLUTION))
    res = grade_submission(path, limits=FAST)
    assert res.notebook == "01_chain_rule" and not res.error


def test_parsing_from_many_threads_at_once():
    # CPython 3.11's ast shares a recursion counter between threads: when a garbage collection
    # runs Python code (a __del__) mid-parse and another thread parses meanwhile, a parse fails
    # with SystemError. grade_many grades in threads.
    class Cycle:
        def __del__(self):
            sum(range(10))

    def parse(_):
        for _ in range(10):
            for _ in range(300):  # garbage for the collector, with finalisers to run
                a, b = Cycle(), Cycle()
                a.other, b.other = b, a
            yield defined_names(source)

    source = [(ROOT / "src" / "vgrad" / "grading" / "notebook_file.py").read_text()]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # threads switch often
    try:
        with ThreadPoolExecutor(4) as pool:
            names = [n for batch in pool.map(lambda i: list(parse(i)), range(4)) for n in batch]
    finally:
        sys.setswitchinterval(interval)
    assert len(names) == 40 and all(n == names[0] for n in names) and "read_cells" in names[0]


# ---- bounded memory ---------------------------------------------------------------------------------

EIGHT_MB = 8 << 20
PATHOLOGICAL = {  # about 8 MB each; unguarded, each but the last two costs the grader 300 MB to 1 GB
    "deep": lambda: b"[" * EIGHT_MB,
    "empty objects": lambda: b'{"nbformat": 4, "cells": [], "x": [' + b"{}," * (EIGHT_MB // 3) + b"{}]}",
    "short strings": lambda: b'{"nbformat": 4, "cells": [], "x": [' + b'"ab",' * (EIGHT_MB // 5) + b'""]}',
    "a string of escapes": lambda: b'{"nbformat": 4, "cells": [], "x": "' + b'\\"[' * (EIGHT_MB // 3) + b'"}',
    "dense code": lambda: code_cells(*["x = {" + "1:1," * 500_000 + "}"] * 4),
    "dense code within the limits": lambda: code_cells(*["x = {" + "1:1," * (MAX_CELL_CHARS // 4 - 4) + "}"] * 2),
    "a long text output": lambda: notebook_bytes(metadata={"x": "\U0001F600" + "a" * EIGHT_MB}),
}


MEASURE = """
import resource, sys
from vgrad.grading.notebook_file import Unreadable, defined_names, read_cells
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    defined_names(read_cells("x.ipynb", data))
except Unreadable:
    pass
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(grown if sys.platform == "darwin" else grown * 1024)  # bytes (Linux counts KiB)
"""


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_the_grader_reads_a_pathological_file_in_bounded_memory(tmp_path, name):
    path = tmp_path / "x.ipynb"
    path.write_bytes(PATHOLOGICAL[name]())
    # a fresh process, so that its peak memory is this file's alone
    grown = int(subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True,
                               check=True).stdout)
    assert grown < 150 << 20, f"{grown >> 20} MB to read {path.stat().st_size >> 20} MB"


# ---- what is submitted must be a regular file ---------------------------------------------------

def test_a_symlink_to_a_solution_gets_zero(tmp_path):
    link = tmp_path / "01_chain_rule-alice.ipynb"
    link.symlink_to(SOLUTION_FILE)
    for res in (grade_submission(link, limits=FAST), grade_many([link], progress=False, limits=FAST)[0]):
        assert res.score == 0 and "symbolic link is not accepted" in res.error


def test_a_symlinked_folder_is_not_searched_nor_read_through(tmp_path):
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / "01_chain_rule.ipynb").write_bytes(notebook_bytes())
    (subs / "mallory").symlink_to(SOLUTION_FILE.parent, target_is_directory=True)
    assert find_submissions([subs]) == [subs / "bob" / "01_chain_rule.ipynb"]
    with pytest.raises(Unreadable, match="folder on its way .*mallory.* is a symbolic link"):
        read_submission(subs / "mallory" / "01_chain_rule.ipynb", root=subs)
    assert read_submission(subs / "bob" / "01_chain_rule.ipynb", root=subs) == notebook_bytes()


def test_find_submissions_lists_odd_entries_and_skips_checkpoints(tmp_path):
    (tmp_path / "b" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "b" / ".ipynb_checkpoints" / "hw-checkpoint.ipynb").write_text("{}")
    (tmp_path / "b" / "hw.ipynb").write_text("{}")
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "link.ipynb").symlink_to(SOLUTION_FILE)
    (tmp_path / "dangling.ipynb").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "fifo.ipynb")
    named = tmp_path / "b" / "hw.ipynb"
    assert find_submissions([tmp_path, named]) == [
        tmp_path / n for n in ("a.ipynb", "b/hw.ipynb", "dangling.ipynb", "fifo.ipynb", "link.ipynb")] + [named]


def test_a_fifo_never_blocks_and_gets_zero(tmp_path, capsys):
    fifo = tmp_path / "01_chain_rule-fifo.ipynb"
    os.mkfifo(fifo)
    with pytest.raises(Unreadable, match="FIFO"):
        in_a_thread(read_submission, fifo)
    res = in_a_thread(lambda: grade_many([fifo], progress=False, limits=FAST)[0])
    assert res.score == 0 and "FIFO" in res.error
    assert in_a_thread(cli.main, ["grade", str(tmp_path), "--quiet"]) == 0
    assert "FIFO" in capsys.readouterr().out


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused_directly_or_through_a_link(tmp_path):
    with pytest.raises(Unreadable, match="a device is not accepted"):
        in_a_thread(read_submission, "/dev/zero")
    res = in_a_thread(grade_submission, "/dev/zero")
    assert res.score == 0 and "device" in res.error
    link = tmp_path / "zero.ipynb"
    link.symlink_to("/dev/zero")
    with pytest.raises(Unreadable, match="symbolic link"):
        read_submission(link)


def test_a_folder_and_a_missing_file_are_refused(tmp_path):
    (tmp_path / "dir.ipynb").mkdir()
    with pytest.raises(Unreadable, match="a folder is not accepted"):
        read_submission(tmp_path / "dir.ipynb")
    with pytest.raises(Unreadable, match="cannot read the file"):
        read_submission(tmp_path / "missing.ipynb")


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(Unreadable, match="over 20 MB"):
        read_submission(big)
    with open(big, "r+b") as f:
        f.truncate(MAX_FILE_BYTES)
    assert len(read_submission(big)) == MAX_FILE_BYTES


# ---- outputs: distinct, inert, whole -----------------------------------------------------------------

def test_same_file_name_in_two_folders_gets_two_results_and_rows(tmp_path, capsys):
    subs = tmp_path / "subs"
    for student, base in (("alice", SOLUTION), ("bob", STUDENT)):
        (subs / student).mkdir(parents=True)
        (subs / student / "01_chain_rule.ipynb").write_bytes(notebook_bytes(base=base))
    out = tmp_path / "out"
    assert cli.main(["grade", str(subs), "--out", str(out), "--quiet", "--timeout", "20"]) == 0
    table = capsys.readouterr().out
    assert "alice/01_chain_rule.ipynb" in table and "bob/01_chain_rule.ipynb" in table
    assert json.loads((out / "alice__01_chain_rule.json").read_text())["score"] == 6
    assert json.loads((out / "bob__01_chain_rule.json").read_text())["score"] == 0
    rows = list(csv.reader((out / "gradebook.csv").read_text().splitlines()))
    assert [(r[0], r[-4], r[-1]) for r in rows[1:]] == [("alice/01_chain_rule.ipynb", "6.0", "alice__01_chain_rule.json"),
                                                      ("bob/01_chain_rule.ipynb", "0.0", "bob__01_chain_rule.json")]
    assert sorted(p.name for p in out.iterdir()) == ["alice__01_chain_rule.json", "bob__01_chain_rule.json",
                                                     "gradebook.csv"]  # no temporary file left


def test_result_file_names_are_safe_and_distinct():
    names = ["alice/hw.ipynb", "alice__hw.ipynb", "ALICE/HW.ipynb", "../../etc/passwd", ".hidden.ipynb", "..",
             "a b/ç\x1b[2J.ipynb", "x" * 300 + ".ipynb", "", "=HYPERLINK(\"http://x\",\"y\").ipynb"]
    files = reports.result_file_names(names)
    assert files[:3] == ["alice__hw.json", "alice__hw-2.json", "ALICE__HW-3.json"]
    assert len({f.lower() for f in files}) == len(files)
    for f in files:
        assert f.endswith(".json") and "/" not in f and not f.startswith(".") and len(f) <= 110
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in f), f


def test_names_are_relative_to_the_folder_given():
    assert reports.submission_names(["s/alice/hw.ipynb", "s/bob/hw.ipynb"], base="s") == ["alice/hw.ipynb",
                                                                                          "bob/hw.ipynb"]
    assert reports.common_folder(["s/alice/hw.ipynb", "s/bob/hw.ipynb"]) == os.path.abspath("s")
    assert reports.submission_names(["s/alice/hw.ipynb"]) == ["hw.ipynb"]


def test_the_gradebook_is_inert_in_a_spreadsheet(tmp_path):
    # a file name cannot hold "/", so the classic payload is checked on the report directly
    attack = '=HYPERLINK("http://x","y").ipynb'
    results = [SubmissionResult(path=attack, notebook="", error="=cmd|' /C calc'!A0"),
               SubmissionResult(path="-2+3.ipynb", notebook="", error="@SUM(1)"),
               SubmissionResult(path="+1.ipynb", notebook="", error="\t=1+1"),
               SubmissionResult(path="\r=1.ipynb", notebook="", error=" -1")]
    names = [attack, "-2+3.ipynb", "+1.ipynb", "\r=1.ipynb"]
    rows = list(csv.reader(reports.gradebook_csv(results, names).splitlines()))
    for row in rows[1:]:
        texts = [row[0], row[-1]]
        assert all(t.startswith("'") for t in texts), row
        assert row[-3:-1] == ["0", "0"]  # numbers stay numbers
    assert rows[1][0] == "'" + attack
    # and end to end, with a real file named like a formula
    named = tmp_path / '=HYPERLINK("x","y").ipynb'
    named.write_bytes(notebook_bytes())
    assert cli.main(["grade", str(named), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    row = list(csv.reader((tmp_path / "out" / "gradebook.csv").read_text().splitlines()))[1]
    assert row[0] == "'" + named.name and row[-4] == "0.0"


def test_escape_codes_from_a_submission_never_reach_the_terminal(tmp_path, capsys):
    src = 'def sigmoid_prime(x):\n    raise ValueError("\\x1b[2J\\x1b[31mHACKED\\u202e\\x9b2J\\x07")'
    path = tmp_path / "01_chain_rule-\x1b[31mevil\u202e.ipynb"
    path.write_bytes(notebook_bytes([src]))
    assert cli.main(["grade", str(path), "--quiet", "--seed", "1"]) == 0
    table = capsys.readouterr().out
    assert "HACKED" in table and "evil" in table
    for char in (ESC, "\u202e", "\x9b", "\x07"):
        assert char not in table
    assert cli.main(["grade", str(path), "--quiet", "--format", "json", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    feedback = [e["feedback"] for e in json.loads(out)[0]["exercises"]]
    assert ESC not in out and "HACKED" in feedback[0] and not any(ESC in f or "\x9b" in f for f in feedback)
    assert cli.main(["grade", str(path), "--quiet", "--format", "gradescope", "--seed", "1"]) == 0
    outputs = [t["output"] for t in json.loads(capsys.readouterr().out)["tests"]]
    assert "HACKED" in outputs[0] and not any(ESC in o or "\u202e" in o for o in outputs)


def test_clean_keeps_text_and_drops_controls():
    assert reports.clean("a\tb\nc\x1b[0m\x00\x7f\x85\u2066é✓") == "a\tb\nc[0mé✓"
    assert reports.clean("a\tb\nc", one_line=True) == "a b c"


def test_outputs_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text("the old result\n")
    (out / "gradebook.csv").write_text("the old gradebook\n")
    results = [SubmissionResult(path=str(tmp_path / "a.ipynb"), notebook="", error="x")]
    real_fsync = os.fsync
    for crash_at, kept in ((1, {"a.json": "the old result\n"}), (2, {})):
        synced = []

        def fsync(fd):  # the process dies while a file is being written
            synced.append(fd)
            if len(synced) == crash_at:
                raise KeyboardInterrupt
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises(KeyboardInterrupt):
            reports.write_outputs(out, results)
        assert (out / "gradebook.csv").read_text() == "the old gradebook\n"
        assert all((out / name).read_text() == text for name, text in kept.items())
        assert sorted(p.name for p in out.iterdir()) == ["a.json", "gradebook.csv"], "a temporary file was left"
    assert json.loads((out / "a.json").read_text())["score"] == 0  # written whole before the crash

    replaced = []
    monkeypatch.setattr(os, "fsync", real_fsync)
    monkeypatch.setattr(os, "replace", lambda src, dst: replaced.append(Path(dst).name) or os.rename(src, dst))
    reports.write_outputs(out, results)
    assert replaced == ["a.json", "gradebook.csv"]  # every file goes in by a rename
    assert (out / "gradebook.csv").read_text().startswith("submission,")


@pytest.mark.parametrize("where", ["a file", "under a file", "unwritable"])
def test_an_unusable_out_folder_is_one_line_and_exit_2(tmp_path, capsys, where):
    submission = tmp_path / "empty.ipynb"
    submission.write_bytes(b"")  # graded at once: "the file is empty"
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    out = {"a file": blocker, "under a file": blocker / "out", "unwritable": tmp_path / "locked"}[where]
    if where == "unwritable":
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        out.mkdir(mode=0o500)
    assert cli.main(["grade", str(submission), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vgrad grade: cannot write the results into") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_file_name_that_is_not_utf8_costs_nobody_their_gradebook(tmp_path, capsys):
    # found by trying: such a name once crashed the export for the whole class
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "01_chain_rule-honest.ipynb").write_bytes((ROOT / "solutions" / "01_chain_rule.ipynb").read_bytes())
    with open(os.path.join(os.fsencode(folder), b"01_chain_rule-\xff\x1b[2J.ipynb"), "wb") as f:
        f.write((ROOT / "notebooks" / "01_chain_rule.ipynb").read_bytes())
    assert cli.main(["grade", str(folder), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    rows = list(csv.reader((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8").splitlines()))
    assert sorted(r[-4] for r in rows[1:]) == ["0.0", "6.0"]
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\udcff" in out
