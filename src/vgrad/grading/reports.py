"""Grading results in the forms staff need: a table to read, JSON for scripts, Gradescope's
``results.json``, and a CSV gradebook for a batch."""
import csv
import io
import json
from pathlib import Path


def table(results):
    """A readable table: one row per submission, one column per exercise, then feedback."""
    lines = []
    for nb in sorted({r.notebook for r in results}):
        group = [r for r in results if r.notebook == nb]
        labels = [e.label.replace("Exercise ", "Ex ") for e in group[0].exercises] if nb else []
        width = max([len(_name(r)) for r in group] + [10])
        lines.append(f"{'submission':<{width}}  " + "  ".join(f"{lab:>6}" for lab in labels) + "   total"
                     + (f"   ({nb})" if nb else ""))
        for r in group:
            cells = "  ".join(f"{e.score:>2g}/{e.max_score:<3d}" for e in r.exercises)
            lines.append(f"{_name(r):<{width}}  {cells}  {r.score:>3g}/{r.max_score:<3d}"
                         + (f"   {r.error}" if r.error else ""))
        lines.append("")
    lines.append("Feedback")
    for r in results:
        lines.append(f"  {_name(r)}: {r.score:g}/{r.max_score} ({r.seconds:.1f} s)" + (f" — {r.error}" if r.error else ""))
        for e in r.exercises:
            lines.extend("    " + line for line in e.feedback.splitlines())
    return "\n".join(lines)


def as_json(results):
    return json.dumps([r.to_dict() for r in results], indent=2)


def gradescope(result):
    """Gradescope's results.json for one submission."""
    tests = [{"name": f"{e.label}: {e.name}", "score": e.score, "max_score": e.max_score,
              "status": "passed" if e.score == e.max_score else "failed", "output": e.feedback,
              "visibility": "visible"} for e in result.exercises]
    out = {"score": result.score, "execution_time": round(result.seconds, 2), "tests": tests,
           "output": result.error or f"Graded as {result.notebook}: {result.score:g}/{result.max_score}."}
    if result.error and not tests:
        out["score"] = 0
    return json.dumps(out, indent=2)


def gradebook_csv(results):
    """One row per submission: file, notebook, each exercise's points, total, maximum, error."""
    names = []
    for r in results:
        names.extend(e.name for e in r.exercises if e.name not in names)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "notebook", *names, "total", "max", "error"])
    for r in results:
        scores = {e.name: e.score for e in r.exercises}
        writer.writerow([_name(r), r.notebook, *[scores.get(n, "") for n in names], r.score, r.max_score, r.error])
    return buffer.getvalue()


def _name(result):
    return Path(result.path).name
