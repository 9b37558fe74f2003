"""The course's error for a wrong argument, and how a notebook shows it.

Every argument check in ``vgrad`` raises ``InputError`` (a ``ValueError``) whose message says what was
expected and what came. In a notebook the message is shown on its own, with the line of the learner's
cell that led to it — not a traceback through the course's code, which is not where the mistake is.
"""
import sysconfig
import traceback
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# Python's own library and the installed packages (NumPy, ...): not where a learner's mistake is.
_LIBRARIES = {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")}


class InputError(ValueError):
    """A wrong argument to a course function: a name, a shape, a range."""


def learner_frame(tb):
    """The deepest frame of a traceback in the learner's code, not in the course's, Python's or an
    installed library's (a ``FrameSummary``), or None."""
    frames = [f for f in traceback.extract_tb(tb) if _is_learners(f.filename)]
    return frames[-1] if frames else None


def _is_learners(filename):
    if filename.startswith("<"):  # a cell typed at a prompt
        return True
    path = Path(filename)
    if not path.is_absolute():  # a compiled library's source, such as numpy/random/_generator.pyx
        return False
    path = path.resolve()
    return not any(place == path or place in path.parents for place in _LIBRARIES | {_PACKAGE})


def _learner_line(tb):
    f = learner_frame(tb)
    if f is None:
        return ""
    return f"  (from line {f.lineno}: {f.line})" if f.line else f"  (from line {f.lineno})"


def _show(shell, etype, value, tb, tb_offset=None):
    stb = [f"{etype.__name__}: {value}{_learner_line(tb)}"]
    # IPython ignores what a custom handler returns; _showtraceback is how the shell itself sends an
    # error to the front end (so the cell is still marked as failed), with our one line as its text.
    shell._showtraceback(etype, value, stb)
    return stb


def install_notebook_handler():
    """In IPython/Jupyter, show an ``InputError`` as one line instead of a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((InputError,), _show)
    return True
