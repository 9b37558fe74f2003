"""Grading results in the forms staff need: a table to read, JSON for scripts, Gradescope's
``results.json``, and a CSV gradebook for a batch.

Everything a submission controls (its file name, its functions' error messages in the feedback,
the reasons it could not be graded) is shown to staff here, so all of it is made inert first:
control characters never reach a terminal, cells never start a spreadsheet formula, and file names
never choose where a result is written.
"""
import csv
import io
import json
import os
import re
import secrets
from pathlib import Path

# Never printed from a submission: C0 controls but tab and newline, DEL and C1 controls (ESC and
# CSI start the escape sequences that move the cursor, clear the screen or recolour text), and
# the bidirectional controls that reorder text as it is shown ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV injection"),
# as it does after leading tabs, returns or spaces: those are checked past (``clean`` makes tabs spaces).
_FORMULA_START = ("=", "+", "-", "@")


def clean(text, one_line=False):
    """``text`` from a submission, safe to print: no control characters (tabs and newlines kept,
    or made spaces when ``one_line``)."""
    # a file name that is not UTF-8 arrives with lone surrogates: shown as \udcff, never a crash
    text = _CONTROLS.sub("", str(text).encode("utf-8", "backslashreplace").decode("utf-8"))
    return text.replace("\t", " ").replace("\n", " ") if one_line else text


def common_folder(paths):
    """The folder that holds all of ``paths`` (a folder counts as itself, a file as its folder):
    submissions are named relative to it."""
    folders = [os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in paths]
    return os.path.commonpath(folders) if folders else os.curdir


def submission_names(paths, base=None):
    """Each submission's path relative to ``base`` (default: their common folder), so that two
    students' ``hw.ipynb`` in ``alice/`` and ``bob/`` are told apart: ``alice/hw.ipynb``."""
    base = common_folder(paths) if base is None else base
    return [Path(os.path.relpath(os.path.abspath(p), base)).as_posix() for p in paths]


def result_file_names(names):
    """A distinct, safe file name for each submission's result: its name with folders joined by
    ``__`` and anything but letters, digits, ``.``, ``-`` and ``_`` made ``_`` (``alice/hw.ipynb``
    -> ``alice__hw.json``); never hidden, at most 100 characters, numbered when two coincide
    (compared without case, for file systems that ignore it)."""
    taken, files = set(), []
    for name in names:
        stem = re.sub(r"\.ipynb$", "", name).replace("/", "__")
        stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.ASCII).lstrip(".")[:100] or "submission"
        candidate, n = stem, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate.lower())
        files.append(candidate + ".json")
    return files


def table(results, names=None):
    """A readable table: one row per submission, one column per exercise, then feedback."""
    names = [clean(n, one_line=True) for n in names or submission_names([r.path for r in results])]
    lines = []
    for nb in sorted({r.notebook for r in results}):
        group = [(name, r) for name, r in zip(names, results) if r.notebook == nb]
        labels = [e.label.replace("Exercise ", "Ex ") for e in group[0][1].exercises] if nb else []
        width = max([len(name) for name, _ in group] + [10])
        lines.append(f"{'submission':<{width}}  " + "  ".join(f"{lab:>6}" for lab in labels) + "   total"
                     + (f"   ({nb})" if nb else ""))
        for name, r in group:
            cells = "  ".join(f"{e.score:>2g}/{e.max_score:<3d}" for e in r.exercises)
            lines.append(f"{name:<{width}}  {cells}  {r.score:>3g}/{r.max_score:<3d}"
                         + (f"   {clean(r.error, one_line=True)}" if r.error else ""))
        lines.append("")
    lines.append("Feedback")
    for name, r in zip(names, results):
        lines.append(f"  {name}: {r.score:g}/{r.max_score} ({r.seconds:.1f} s)"
                     + (f" — {clean(r.error, one_line=True)}" if r.error else ""))
        for e in r.exercises:
            lines.extend("    " + line for line in clean(e.feedback).splitlines())
    return "\n".join(lines)


def as_json(results):
    """Every result as JSON, its feedback and error cleaned (the path stays exact, escaped by JSON)."""
    dicts = [r.to_dict() for r in results]
    for d in dicts:
        d["error"] = clean(d["error"], one_line=True)
        for e in d["exercises"]:
            e["feedback"] = clean(e["feedback"])
    return json.dumps(dicts, indent=2)


def gradescope(result):
    """Gradescope's results.json for one submission."""
    tests = [{"name": f"{e.label}: {e.name}", "score": e.score, "max_score": e.max_score,
              "status": "passed" if e.score == e.max_score else "failed", "output": clean(e.feedback),
              "visibility": "visible"} for e in result.exercises]
    out = {"score": result.score, "execution_time": round(result.seconds, 2), "tests": tests,
           "output": clean(result.error, one_line=True)
           or f"Graded as {result.notebook}: {result.score:g}/{result.max_score}.",
           "extra_data": {"isolation": result.isolation}}  # for staff: how the code was isolated
    if result.error and not tests:
        out["score"] = 0
    return json.dumps(out, indent=2)


def gradebook_csv(results, names=None, files=None):
    """One row per submission: its name, notebook, each exercise's points, total, maximum, error
    (and, given ``files``, the name of its result file). Text cannot start a formula (it gets a
    leading ``'``); numbers stay numbers."""
    names = names or submission_names([r.path for r in results])
    exercises = []
    for r in results:
        exercises.extend(e.name for e in r.exercises if e.name not in exercises)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "notebook", *exercises, "total", "max", "error"] + (["result_file"] if files else []))
    for i, (name, r) in enumerate(zip(names, results)):
        scores = {e.name: e.score for e in r.exercises}
        writer.writerow(map(_inert, [name, r.notebook, *[scores.get(n, "") for n in exercises], r.score,
                                     r.max_score, r.error] + ([files[i]] if files else [])))
    return buffer.getvalue()


def _inert(cell):
    if not isinstance(cell, str):
        return cell
    cell = clean(cell, one_line=True)
    return "'" + cell if cell.lstrip().startswith(_FORMULA_START) else cell


def write_outputs(folder, results, names=None):
    """Write each submission's result (Gradescope's format, one file per submission, named by
    ``result_file_names``) and ``gradebook.csv`` into ``folder``, created if need be; each file
    whole or not at all. Returns the paths written; raises ``OSError`` when ``folder`` cannot be
    written (a file is in the way, no permission)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = names or submission_names([r.path for r in results])
    files = result_file_names(names)
    written = [write_atomically(folder / file, gradescope(r) + "\n") for file, r in zip(files, results)]
    written.append(write_atomically(folder / "gradebook.csv", gradebook_csv(results, names, files)))
    return written


def write_atomically(path, text):
    """Write ``text`` to ``path`` whole or not at all: into a new hidden file beside it, flushed to
    disk, then renamed over it, so a crash leaves the old file or the new one, never half of one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: a new file, never one planted there (nor a link); 0o666: what the umask allows, as open()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
