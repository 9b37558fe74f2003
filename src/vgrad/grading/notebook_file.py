"""A submitted file, read as the grader reads it: the source of its code cells, and the course
notebook it belongs to. Everything here is bounded: a submission is hostile until proved otherwise.

The grader's own memory and time stay bounded whatever a file holds. The limits below are far
above what an honest notebook of this course needs (its solutions, outputs included, are under
0.5 MB, with under 4,000 JSON items, 25 code cells and 10,000 characters of code), and each one
ends in ``Unreadable`` with a one-line reason rather than an exception. Measured worst cases, for a
file within the limits: about 200 MB and a few seconds of one core.
"""
import ast
import json
import os
import re
import stat
import threading
import warnings
from pathlib import Path

from ..exercises import EXERCISES

MAX_FILE_BYTES = 20 << 20
MAX_JSON_DEPTH = 100  # a notebook nests about 6 levels deep
# JSON strings, escapes in strings, brackets and separators, counted before parsing. Parsed, an
# item costs up to ~130 bytes (an escape, in Python's json), so this caps the parsed notebook's
# items near 65 MB however the file is made; its text costs at most 4 bytes a character on top.
MAX_JSON_ITEMS = 500_000
MAX_CELLS = 5000
# ``ast.parse`` takes up to ~500 bytes of memory and ~4 microseconds per character of dense code
# (``{1:1,1:1,...}``), holding the GIL that every grading thread shares, and the grader parses each
# code cell to tell which notebook a file is: these keep one parse near 50 MB and half a second.
MAX_CELL_CHARS = 100_000
MAX_SOURCE_CHARS = 500_000

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO never blocks
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
# The JSON tokens that matter to its shape: outside strings, a bracket, a separator or the quote that
# opens a string; inside, an escape or the closing quote. (One pattern for a whole string, with a
# repeated group, would keep a backtracking entry of ~100 bytes per escape.)
_OUTSIDE_STRING = re.compile(rb'[\[\]{},:"]')
_INSIDE_STRING = re.compile(rb'\\.|"', re.S)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CELL_FILENAME = "<vgrad-cell>"
# ``ast.parse`` may warn about a cell's code (invalid escape sequences): never print those. A filter
# on this file name is set once, as ``warnings.catch_warnings`` is not safe across grading threads.
warnings.filterwarnings("ignore", module=re.escape(_CELL_FILENAME) + r"\Z")
# One ``ast.parse`` at a time: in CPython 3.11 two at once in threads (``grade_many``) share a
# recursion counter and fail with "SystemError: AST constructor recursion depth mismatch".
_PARSING = threading.Lock()


class Unreadable(Exception):
    """A submission that is not a notebook the grader can read; the message is one line."""


def find_submissions(paths):
    """Every .ipynb named, or inside a named folder (recursively), sorted, without checkpoints.

    Folders are searched without following symbolic links to other folders, so no file found has
    a linked folder on its way. A symbolic link, FIFO or device named ``*.ipynb`` is listed all
    the same: ``read_submission`` refuses it with a reason, so it gets 0 rather than vanishing.
    """
    found = []
    for p in map(Path, paths):
        if not p.is_dir():
            found.append(p)
            continue
        inside = []
        for folder, subfolders, files in os.walk(p, followlinks=False):
            subfolders[:] = [d for d in subfolders if d != ".ipynb_checkpoints"]
            inside.extend(Path(folder, f) for f in files if f.endswith(".ipynb"))
        found.extend(sorted(inside))
    return found


def read_submission(path, root=None):
    """The bytes of a submitted file, or ``Unreadable`` with the reason.

    Only a regular file is accepted: a symbolic link, FIFO, device, socket or folder is refused by
    its kind before it is opened, and again after (should it have been swapped meanwhile); opening
    never follows a link nor blocks. ``root``: a folder above ``path``; then no folder between the
    two may be a symbolic link either (default: the file's own folder, so only the file is checked).
    Every step is taken from an open folder, so nothing can be swapped in between.
    """
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    *folders, name = path.relative_to(root).parts or (".",)  # "." or "/": a folder, refused below
    try:
        here = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise Unreadable(f"cannot read the file ({exc.strerror})") from None
    try:
        for folder in folders:
            try:
                inner = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=here)
            except OSError as exc:
                if _is_link(folder, here):
                    raise Unreadable(f"a folder on its way ({_short(folder)}) is a symbolic link, "
                                     "which is not accepted in a submission") from None
                raise Unreadable(f"cannot read the file ({exc.strerror})") from None
            os.close(here)
            here = inner
        return _read_regular_file(name, here)
    finally:
        os.close(here)


def _read_regular_file(name, folder_fd):
    try:
        _refuse_unless_regular(os.stat(name, dir_fd=folder_fd, follow_symlinks=False))
        fd = os.open(name, _OPEN_FLAGS, dir_fd=folder_fd)
    except OSError as exc:
        raise Unreadable(f"cannot read the file ({exc.strerror})") from None
    try:
        _refuse_unless_regular(os.fstat(fd))
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"the file is over {MAX_FILE_BYTES >> 20} MB; notebooks of this course are far smaller")
    return data


def _refuse_unless_regular(st):
    if not stat.S_ISREG(st.st_mode):
        kind = next((kind for is_kind, kind in _KINDS if is_kind(st.st_mode)), "not a regular file")
        raise Unreadable(f"{kind} is not accepted as a submission (only a regular .ipynb file is)")


def _is_link(name, folder_fd):
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def read_cells(path, data=None):
    """The source of every code cell of a submission (its bytes ``data``, or read from ``path``),
    or ``Unreadable`` with a one-line reason. Only the code cells' sources are read: metadata,
    outputs and every other field are ignored, whatever they hold."""
    if data is None:
        data = read_submission(path)
    if not data:
        raise Unreadable("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"the file is {len(data) >> 20} MB; notebooks of this course are far smaller")
    _check_json_shape(data)
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Unreadable(f"the file is not a notebook (not JSON: not UTF-8 text at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"the file is not a notebook (not JSON: {str(exc).splitlines()[0][:80]})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Unreadable("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    version = raw["nbformat"]
    if type(version) is not int or version not in (3, 4):
        raise Unreadable(f"nbformat {_short(version)} is not supported (this course uses nbformat 4)")
    cells = _code_sources(raw) if version == 4 else _code_sources_v3(raw)
    if sum(map(len, cells)) > MAX_SOURCE_CHARS:
        raise Unreadable(f"the notebook holds over {MAX_SOURCE_CHARS:,} characters of code; "
                         "a notebook of this course holds far fewer")
    return cells


def _check_json_shape(data):
    """Refuse JSON nested too deeply or made of too many items, before parsing it (which would cost
    memory in proportion to the items, and recursion in proportion to the depth). One pass over
    the bytes, stopped at the first limit passed, so at most ``MAX_JSON_ITEMS`` steps."""
    depth = items = pos = 0
    pattern = _OUTSIDE_STRING
    while token := pattern.search(data, pos):
        pos, char = token.end(), token.group()
        items += 1  # a bracket, a separator, a quote or an escape (the parser keeps a piece of text for each)
        if items > MAX_JSON_ITEMS:
            raise Unreadable(f"the file holds over {MAX_JSON_ITEMS:,} JSON items; clear the notebook's outputs "
                             "and submit it again")
        if char == b'"':
            pattern = _INSIDE_STRING if pattern is _OUTSIDE_STRING else _OUTSIDE_STRING
        elif pattern is _OUTSIDE_STRING and char in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise Unreadable(f"the file's JSON is nested over {MAX_JSON_DEPTH} levels deep; a notebook's "
                                 "is not")
        elif pattern is _OUTSIDE_STRING and char in b"]}":
            depth -= 1


def _code_sources(raw):
    """nbformat 4: the ``source`` of every cell of type ``code``."""
    return [_source_text(cell.get("source", "")) for cell in _cell_list(raw.get("cells"))
            if cell.get("cell_type") == "code"]


def _code_sources_v3(raw):
    """nbformat 3: the ``input`` of every code cell, in every worksheet."""
    worksheets = raw.get("worksheets", [])
    if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
        raise Unreadable("the notebook is malformed (its worksheets are not a list of worksheets)")
    cells = _cell_list([cell for w in worksheets for cell in _cell_list(w.get("cells", []))])
    return [_source_text(cell.get("input", "")) for cell in cells if cell.get("cell_type") == "code"]


def _cell_list(cells):
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise Unreadable("the notebook is malformed (its cells are not a list of cells)")
    if len(cells) > MAX_CELLS:
        raise Unreadable(f"the notebook has {len(cells):,} cells; the limit is {MAX_CELLS:,}")
    return cells


def _source_text(source):
    """A cell's source as one string (nbformat stores a string or a list of lines), checked."""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise Unreadable("the notebook is malformed (a cell's source is not text)")
    if len(source) > MAX_CELL_CHARS:
        raise Unreadable(f"a code cell holds {len(source):,} characters; the limit is {MAX_CELL_CHARS:,}")
    if "\0" in source:
        raise Unreadable("a code cell contains a NUL character, which Python code cannot")
    if _LONE_SURROGATE.search(source):
        raise Unreadable("a code cell contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    return source


def _short(value):
    """A value from the file, shown in a reason: short, and on one line (``repr`` escapes controls)."""
    text = repr(value[:40] if isinstance(value, str) else value) if isinstance(value, (str, int, float)) \
        else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def parse(source):
    """``ast.parse`` one thread at a time: CPython 3.11's parser is not safe to run in two threads at
    once ("AST constructor recursion depth mismatch"), and the grader grades in threads."""
    with _PARSING:
        return ast.parse(source, filename=_CELL_FILENAME)


def defined_names(cells):
    """Names bound at the top level of any code cell (functions, assignments, imports). A cell that
    does not parse, or is too complex for the parser (deep nesting, a 100,000-term expression),
    defines nothing."""
    names = set()
    for source in cells:
        try:
            tree = parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def which_notebook(path, cells, notebook=None):
    """The course notebook a submission belongs to: given, or by the exercises it defines, or by its
    file name (``01_chain_rule.ipynb``, ``01_chain_rule-alice.ipynb``); None when nothing matches."""
    notebooks = sorted({ex.notebook for ex in EXERCISES.values()})
    if notebook is not None:
        return notebook if notebook in notebooks else None
    names = defined_names(cells)
    counts = {nb: sum(ex.name in names for ex in EXERCISES.values() if ex.notebook == nb) for nb in notebooks}
    best = max(counts.values(), default=0)
    if best > 0:
        return min(nb for nb, c in counts.items() if c == best)
    match = re.match(r"(\d\d)[_-]", Path(path).name)
    return next((nb for nb in notebooks if match and nb.startswith(match.group(1) + "_")), None)
