"""vgrad grade against a hostile class: the batch always finishes, no unearned points, no harm to
others, limits hold, secrets stay secret.

Each attack is graded in one batch with honest, complete submissions. Many attacks are written as
"a function that answers correctly only if the attack worked": a score of 0 then proves the attack
failed, whatever the sandbox looked like from inside.
"""
import copy
import hashlib
import os
import time
from pathlib import Path

import nbformat
import pytest

from vgrad.grading import isolation
from vgrad.grading.batch import grade_many
from vgrad.grading.grader import Limits, grade_submission

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = nbformat.read(ROOT / "solutions" / "01_chain_rule.ipynb", as_version=4)
STUDENT = nbformat.read(ROOT / "notebooks" / "01_chain_rule.ipynb", as_version=4)
LIMITS = Limits(cell_timeout=3.0, call_timeout=1.0, timeout=20.0, memory_mb=1024)
FULL = isolation.detect().name == "full"
needs_full = pytest.mark.skipif(not FULL, reason=f"needs full isolation; here: {isolation.detect().detail}")

# The right answer of chain_bound, for attacks that answer only when they succeed.
RIGHT = "(abs(w) / 4) ** n"


def submission(tmp_path, name, cells, base=STUDENT):
    """A notebook with ``cells`` added. Its code first names its process after the submission
    (``/proc/PID/comm``, inherited by every process it starts), so that survivors can be found."""
    nb = copy.deepcopy(base)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"open('/proc/self/comm', 'w').write({tag(name)!r})"))
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    path = tmp_path / f"01_chain_rule-{name}.ipynb"
    nbformat.write(nb, path)
    return path


def tag(name):
    return "vg" + hashlib.sha1(name.encode()).hexdigest()[:12]


def survivors(name):
    """Processes still running that a submission called ``name`` started."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == tag(name):
                found.append(int(pid))
        except OSError:
            pass
    return found


def grade_in_class(tmp_path, attack, honest=2, limits=LIMITS, jobs=2):
    """Grade ``attack`` first, then ``honest`` complete submissions; check what must always hold and
    return the attack's result."""
    paths = [attack] + [submission(tmp_path, f"honest{i}", [], base=SOLUTION) for i in range(honest)]
    before = {p: p.read_bytes() for p in paths}
    start = time.monotonic()
    results = grade_many(paths, jobs=jobs, progress=False, limits=limits, seed=11)
    elapsed = time.monotonic() - start
    rounds = -(-len(paths) // jobs)
    assert elapsed < rounds * limits.timeout + 60, "the batch overran its time budget"
    assert [r.score for r in results[1:]] == [6] * honest, [r.exercises for r in results[1:]]
    assert all(p.read_bytes() == data for p, data in before.items()), "a submitted file changed"
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths), "a file appeared beside the submissions"
    name = attack.stem.split("-", 1)[1]
    deadline = time.monotonic() + 10  # the kill is immediate; the kernel may need a moment to reap
    while survivors(name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not survivors(name), "a process started by a submission outlived its grading"
    assert results[0].max_score == 6 and len(results[0].exercises) == 3
    return results[0]


# ---- the batch always finishes -------------------------------------------------------------------

WRITE_TO_EVERY_FD = ("import os\ndef spray(data):\n    for fd in range(3, 64):\n        try:\n"
                     "            os.write(fd, data)\n        except OSError:\n            pass\n")

# switch off every timer a process can set itself, and ignore their signals
SILENCE = ("import signal, time\ndef silence():\n    for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):\n"
           "        signal.setitimer(timer, 0)\n    for s in (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF):\n"
           "        signal.signal(s, signal.SIG_IGN)\n")

STALLS = {
    # say "ready" on every descriptor, shrink stdin's pipe and never read it again
    "fake_ready_and_full_pipe": [WRITE_TO_EVERY_FD + "import fcntl, time\ntry:\n    fcntl.fcntl(0, 1031, 4096)\n"
                                 "except OSError:\n    pass\nspray(b'{\"ready\": true}\\n')\ntime.sleep(3600)"],
    "closes_stdin_then_loops": ["import os\nos.close(0)\nwhile True:\n    pass"],
    "stops_everything_it_can_reach": ["import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n"
                                      "        os.kill(pid, signal.SIGSTOP)\n    except OSError:\n        pass"],
    "kills_its_parent_and_everyone": ["import os\nfor pid in (os.getppid(), -1):\n    try:\n        os.kill(pid, 9)\n"
                                      "    except OSError:\n        pass"],
    "ignores_every_signal_and_alarm": [SILENCE + "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
                                       "    signal.signal(s, signal.SIG_IGN)\nsilence()\n"
                                       "def chain_bound(n, w):\n    silence()\n    while True:\n        time.sleep(0.01)"],
    "sleeps_in_its_alarm_handler": ["import signal, time\ndef slow(*a):\n    time.sleep(3600)\n"
                                    "def depth_below(t, w=1.0):\n    signal.signal(signal.SIGALRM, slow)\n"
                                    "    signal.signal(signal.SIGPROF, slow)\n    while True:\n        pass"],
    "forges_messages": [WRITE_TO_EVERY_FD + "spray(b'{\"done\": 5}\\n[1, 2]\\n' + b'[' * 100000 + b'\\n')\n"
                        "spray(b'{\"outcome\": \"chain_bound\", \"case\": 0, \"kind\": \"returned\", "
                        "\"value\": {\"t\": \"float\", \"v\": \"0.0009765625\"}, \"error\": \"\"}\\n')\n"
                        "spray(b'x' * (20 << 20))"],
    "forges_an_unhashable_name": [WRITE_TO_EVERY_FD + "spray(b'{\"call\": [1], \"case\": 0}\\n')"],
    "floods_the_result_channel": [WRITE_TO_EVERY_FD + "while True:\n    spray(b'{\"cell\": 0}\\n' * 1000)"],
}


@needs_full  # with reduced isolation as a normal user these would reach the test run itself
@pytest.mark.parametrize("name", sorted(STALLS))
def test_a_stalling_or_killing_submission_cannot_stop_the_batch(tmp_path, name):
    res = grade_in_class(tmp_path, submission(tmp_path, name, STALLS[name]))
    assert res.score == 0, [(e.name, e.feedback) for e in res.exercises]


def test_an_endless_function_with_its_alarm_disabled_costs_only_its_points_and_its_own_time(tmp_path):
    src = SILENCE + "def chain_bound(n, w):\n    silence()\n    while True:\n        pass"
    path = submission(tmp_path, "no-alarm", [src], base=SOLUTION)
    start = time.monotonic()
    res = grade_submission(path, limits=LIMITS)
    assert time.monotonic() - start < LIMITS.timeout + 30
    assert {e.name: e.score for e in res.exercises} == {"sigmoid_prime": 2, "chain_bound": 0, "depth_below": 2}
    assert {e.name: e.status for e in res.exercises}["chain_bound"] == "timeout"


def test_every_exercise_stuck_still_ends_within_the_submission_budget(tmp_path):
    loops = [SILENCE] + [f"def {name}(*a, **k):\n    silence()\n    while True:\n        pass"
                         for name in ("sigmoid_prime", "chain_bound", "depth_below")]
    limits = Limits(cell_timeout=3.0, call_timeout=2.0, timeout=8.0, memory_mb=1024)
    start = time.monotonic()
    res = grade_submission(submission(tmp_path, "all-stuck", loops), limits=limits)
    assert time.monotonic() - start < limits.timeout + 30  # not 3 x (2 x call + 1) + restarts
    assert res.score == 0 and all(e.status in ("timeout", "error") for e in res.exercises)


# ---- no harm to others ---------------------------------------------------------------------------

ESCAPES = {
    # a double-forked, setsid child that waits, then writes forged results wherever it can
    "setsid_child_forges_later": [WRITE_TO_EVERY_FD + "import time\nif os.fork() == 0:\n    os.setsid()\n"
                                  "    if os.fork() == 0:\n        for _ in range(600):\n            time.sleep(0.05)\n"
                                  "            spray(b'{\"done\": \"chain_bound\", \"status\": \"course_code\"}\\n')\n"
                                  "        os._exit(0)\n    os._exit(0)"],
    "child_writes_while_removed": ["import os, time\nif os.fork() == 0:\n    while True:\n        try:\n"
                                   "            with open(f'f{time.time()}', 'w') as f:\n                f.write('x' * 1000)\n"
                                   "        except OSError:\n            pass\n"],
    "writes_everywhere": [f"import os\nfor root in ('/', '/tmp', '/work', '/root', {str(ROOT)!r}, "
                          f"{str(ROOT / 'solutions')!r}, os.path.expanduser('~')):\n"
                          "    try:\n        open(os.path.join(root, 'pwned.txt'), 'w').write('x')\n    except OSError:\n"
                          "        pass\nfor fd in range(3, 64):\n    try:\n        os.ftruncate(fd, 0)\n"
                          "    except OSError:\n        pass"],
    "fork_bomb": ["import os\nfor _ in range(10000):\n    try:\n        os.fork()\n    except OSError:\n        break"],
}


@needs_full  # with reduced isolation as a normal user these would reach the test run itself
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_a_submission_cannot_harm_its_classmates(tmp_path, name):
    # one job: the honest submissions are graded after the attack, while its children would still run
    res = grade_in_class(tmp_path, submission(tmp_path, name, ESCAPES[name]), jobs=1)
    assert res.score == 0
    for place in (Path("/"), Path("/tmp"), ROOT, ROOT / "solutions", Path.home()):
        assert not (place / "pwned.txt").exists()


# ---- no unearned points ----------------------------------------------------------------------------

REFERENCES = {
    "partial": "import functools\nfrom vgrad import theory\nchain_bound = functools.partial(theory.sigmoid_chain_bound)",
    "lambda": "from vgrad import theory\nchain_bound = lambda n, w: theory.sigmoid_chain_bound(n, w)",
    "thread": ("import threading\nfrom vgrad import theory\ndef chain_bound(n, w):\n    out = []\n"
               "    t = threading.Thread(target=lambda: out.append(theory.sigmoid_chain_bound(n, w)))\n"
               "    t.start(); t.join()\n    return out[0]"),
    "no_profiler": ("import sys, threading\nfrom vgrad import theory\ndef chain_bound(n, w):\n    sys.setprofile(None)\n"
                    "    threading.setprofile(None)\n    return theory.sigmoid_chain_bound(n, w)"),
    "compiled_as_course_code": ("import vgrad.theory as t\nexec(compile('def chain_bound(n, w):\\n    return "
                                "sigmoid_chain_bound(n, w)', t.__file__, 'exec'), t.__dict__)\nchain_bound = t.chain_bound"),
    "registry": ("def chain_bound(n, w):\n    from vgrad.exercises import get_exercise\n"
                 "    return get_exercise('chain_bound').reference(n, w)"),
    "registry_module": ("def chain_bound(n, w):\n    import vgrad.exercises.ch01 as c\n"
                        "    return c.sigmoid_chain_bound(n, w)"),
    "source_from_disk": ("import inspect, vgrad.theory as t\nsrc = inspect.getsource(t.sigmoid_chain_bound)\n"
                         "ns = {}\nexec('import numpy as np\\n' + src, ns)\nchain_bound = lambda n, w: ns['sigmoid_chain_bound'](n, w)"),
    "installed_copy": ("import glob, importlib.util, sys\ndef chain_bound(n, w):\n"
                       "    for f in glob.glob('/**/vgrad/theory.py', recursive=True):\n"
                       "        spec = importlib.util.spec_from_file_location('t', f)\n        m = importlib.util.module_from_spec(spec)\n"
                       "        try:\n            spec.loader.exec_module(m)\n            return m.sigmoid_chain_bound(n, w)\n"
                       "        except Exception:\n            pass"),
    "solutions_beside_the_package": (
        "import json, os, vgrad\ndef chain_bound(n, w):\n"
        f"    for root in (os.path.dirname(os.path.dirname(os.path.dirname(vgrad.__file__))), {str(ROOT)!r}):\n"
        "        try:\n            nb = json.load(open(os.path.join(root, 'solutions', '01_chain_rule.ipynb')))\n"
        "        except OSError:\n            continue\n        ns = {}\n"
        "        for c in nb['cells']:\n            if c['cell_type'] == 'code' and 'def chain_bound' in ''.join(c['source']):\n"
        "                exec(''.join(c['source']), ns)\n                return ns['chain_bound'](n, w)"),
    "a_classmates_notebook": (
        "import glob, json\ndef chain_bound(n, w):\n    for f in glob.glob('/**/*honest*.ipynb', recursive=True):\n"
        "        ns = {}\n        for c in json.load(open(f))['cells']:\n"
        "            if c['cell_type'] == 'code' and 'def chain_bound' in ''.join(c['source']):\n"
        "                exec(''.join(c['source']), ns)\n                return ns['chain_bound'](n, w)"),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_the_course_reference_cannot_be_reached(tmp_path, name):
    if name in ("installed_copy", "solutions_beside_the_package", "a_classmates_notebook", "source_from_disk") \
            and not FULL:
        pytest.skip("with reduced isolation the course's files are readable (lessons/grading.md)")
    res = grade_in_class(tmp_path, submission(tmp_path, name, [REFERENCES[name]]), honest=1)
    scores = {e.name: e.score for e in res.exercises}
    assert scores["chain_bound"] == 0, res.exercises


def test_a_wrapped_reference_is_named_as_not_own_work(tmp_path):
    src = "from vgrad.nn.activations import ACTIVATIONS\ndef sigmoid_prime(x):\n    return ACTIVATIONS['sigmoid'].df(x)"
    res = grade_submission(submission(tmp_path, "wrapped", [src]), limits=LIMITS)
    sp = {e.name: e for e in res.exercises}["sigmoid_prime"]
    assert sp.score == 0 and sp.status == "not_own_work" and "own version of sigmoid_prime" in sp.feedback


# ---- limits hold -----------------------------------------------------------------------------------

HOG = ("import os, mmap\ndef hold():\n    total, keep = 0, []\n    for i in range(256):\n        try:\n"
       "            fd = os.memfd_create(f'm{i}')\n            os.ftruncate(fd, 16 << 20)\n"
       "            m = mmap.mmap(fd, 16 << 20)\n            for j in range(0, 16 << 20, 4096):\n"
       "                m[j] = 1\n            keep.append((fd, m))\n            total += 16 << 20\n"
       "        except (OSError, ValueError, MemoryError):\n            break\n    return total\n"
       "HELD = hold()\ndef chain_bound(n, w):\n    return float(HELD)")


@needs_full  # with reduced isolation as a normal user these would reach the test run itself
def test_memfds_cannot_hold_more_than_the_memory_limit(tmp_path):
    res = grade_in_class(tmp_path, submission(tmp_path, "memfd", [HOG]), honest=1)
    cb = {e.name: e for e in res.exercises}["chain_bound"]
    assert cb.score == 0
    # the function reports how much it held; a killed sandbox reports nothing
    held = float(cb.feedback.split("got ")[-1].split()[0].rstrip(".")) if "got " in cb.feedback else 0.0
    assert held <= LIMITS.memory_mb << 20, cb.feedback


# ---- secrets stay secret ---------------------------------------------------------------------------

@needs_full
def test_the_grader_s_command_line_environment_and_memory_are_out_of_reach(tmp_path, monkeypatch):
    monkeypatch.setenv("VGRAD_TEST_SECRET", "s3cr3t-marker")
    src = ("import glob\ndef found():\n    for f in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
           "        try:\n            if b's3cr3t-marker' in open(f, 'rb').read():\n                return True\n"
           "        except OSError:\n            pass\n    import os\n    return 's3cr3t-marker' in str(os.environ)\n"
           f"def chain_bound(n, w):\n    return {RIGHT} if found() else -1.0")
    res = grade_in_class(tmp_path, submission(tmp_path, "reads-proc", [src]), honest=1)
    assert {e.name: e.score for e in res.exercises}["chain_bound"] == 0


@needs_full
def test_no_network_and_an_unprivileged_user(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:  # the grader's machine, listening
        port = server.getsockname()[1]
        src = ("import os, socket\ndef escaped():\n    if os.getuid() == 0 or os.geteuid() == 0:\n        return True\n"
               f"    try:\n        socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
               "        return True\n    except OSError:\n        return False\n"
               f"def chain_bound(n, w):\n    return {RIGHT} if escaped() else -1.0")
        res = grade_in_class(tmp_path, submission(tmp_path, "net", [src]), honest=1)
    assert {e.name: e.score for e in res.exercises}["chain_bound"] == 0


# ---- reduced isolation: still right, and it says so -------------------------------------------------

def test_reduced_isolation_grades_correctly_and_says_so(tmp_path):
    limits = Limits(cell_timeout=3.0, call_timeout=1.0, timeout=20.0, memory_mb=1024, isolation="reduced")
    full = grade_submission(submission(tmp_path, "full", [], base=SOLUTION), limits=limits)
    blank = grade_submission(submission(tmp_path, "blank", []), limits=limits)
    assert (full.score, blank.score) == (6, 0)
    assert full.isolation.startswith("isolation: reduced") and "switched off" in full.isolation


def graded_with(tmp_path, notebook, source):
    """The exercise scores of learner notebook ``notebook`` with the cell ``source`` added."""
    nb = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    path = tmp_path / f"{notebook}-added.ipynb"
    nbformat.write(nb, path)
    return grade_submission(path, limits=LIMITS).exercises


def test_course_helpers_that_compute_an_answer_are_removed_too(tmp_path):
    # found by trying: the recorder and layer_stats compute exercises 2.1, 2.2 and 3.4's answers
    recorder = ("import numpy as np\nfrom vgrad.diagnostics import Recorder, _forward_backward, layer_stats\n"
                "class _L: pass\nclass _N: activation = 'sigmoid'\n"
                "def update_ratios(before, after):\n    net = _N(); net.layers = []\n    for b in before:\n"
                "        l = _L(); l.W = np.array(b, float); l.dW = np.zeros_like(l.W); net.layers.append(l)\n"
                "    r = Recorder(net, every=10**9); r.before_update(1, 0.0)\n"
                "    for l, a in zip(net.layers, after):\n        l.W = np.array(a, float)\n"
                "    r.after_update()\n    return np.array(r.history.update_ratios[-1])\n"
                "def grad_norms(net, x, y):\n    _forward_backward(net, x, y, 'cross_entropy')\n"
                "    return layer_stats(net)['weight_grad_norm']")
    scores = {e.name: (e.score, e.status) for e in graded_with(tmp_path, "02_deep_sigmoid_net", recorder)}
    assert scores["update_ratios"] == (0, "not_own_work") and scores["grad_norms"] == (0, "not_own_work"), scores

    dead = ("import numpy as np\nfrom vgrad.diagnostics import layer_stats\nfrom vgrad.nn import get_activation\n"
            "class _N:\n    pass\ndef count_dead_units(a):\n    net = _N(); net.act = get_activation('relu')\n"
            "    net.pre_activations = [a]; net.activations = [a]; net.deltas = [a]; net.layers = []\n"
            "    return int(round(layer_stats(net)['dead'][0] * a.shape[1]))")
    cd = {e.name: e for e in graded_with(tmp_path, "03_activations", dead)}["count_dead_units"]
    assert (cd.score, cd.status) == (0, "not_own_work"), cd.feedback


def test_honest_mistakes_get_a_message_that_helps(tmp_path):
    cells = ["def sigmoid_prime(x)\n    return 0",  # a missing colon
             "name = input('your name? ')",  # would wait for ever on a terminal
             "def chain_bound(n, w):\n    return [[0.25] * 10000] * 10000",  # returns at once, but is huge
             "def depth_below(t, w=1.0):\n    raise ValueError('line one\\n  01_chain_rule-honest.ipynb: 6/6')"]
    limits = Limits(cell_timeout=3.0, call_timeout=2.0, timeout=30.0, memory_mb=1024, run_all_cells=True)
    base = copy.deepcopy(STUDENT)  # the learner's own versions replace the notebook's stubs
    base.cells = [c for c in base.cells if not any(f"def {n}(" in c.source
                                                    for n in ("sigmoid_prime", "chain_bound", "depth_below"))]
    res = grade_submission(submission(tmp_path, "mistakes", cells, base=base), limits=limits)
    fb = {e.name: e.feedback for e in res.exercises}
    assert "syntax error at line 1" in fb["sigmoid_prime"], fb["sigmoid_prime"]
    assert "did not return" not in fb["chain_bound"] and "over 1,000,000 items" in fb["chain_bound"], fb["chain_bound"]
    assert "\n  01_chain_rule-honest" not in fb["depth_below"] and "line one" in fb["depth_below"]
    assert not res.error


def test_grading_as_root_without_a_sandbox_is_refused_unless_asked_for():
    bare = isolation.Level("reduced", "no bubblewrap", own_uid=False)
    if os.geteuid() == 0:
        assert "not graded" in isolation.refusal(bare, "auto")
    else:
        assert isolation.refusal(bare, "auto") == ""  # a normal user risks only their own files (documented)
    assert isolation.refusal(bare, "reduced") == ""
    assert "not graded" in isolation.refusal(bare, "full")
    assert isolation.refusal(isolation.Level("reduced", "x", own_uid=True), "auto") == ""


def test_a_python_under_tmp_stays_visible_in_the_sandbox():
    # the sandbox's private /tmp is mounted first, so that a venv in /tmp (a clone there) is bound over it
    cmd = isolation._bwrap_command(None, ["true"], env={})
    tmpfs = cmd.index("/tmp", cmd.index("--tmpfs"))
    binds = [i for i, a in enumerate(cmd) if a == "--ro-bind"]
    assert binds and all(i > tmpfs for i in binds if not cmd[i + 1].startswith(isolation.SYSTEM_DIRS))


ROUTES = {  # found by trying: course code that does an exercise's work, removed while it is graded
    ("05_batch_norm", "batchnorm_backward"): (
        "import numpy as np\nfrom vgrad.gradcheck import numerical_gradient\n"
        "def batchnorm_backward(dout, x, gamma, eps=1e-5):\n"
        "    def f(z):\n        h = (z - z.mean(0)) / np.sqrt(z.var(0) + eps)\n        return np.sum(dout * gamma * h)\n"
        "    h = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)\n"
        "    g1, g2 = numerical_gradient(f, x, 1e-3), numerical_gradient(f, x, 5e-4)\n"
        "    return (4 * g2 - g1) / 3, np.sum(dout * h, 0), np.sum(dout, 0)"),
    ("06_residual_networks", "residual_backward"): (
        "from vgrad.nn import Dense, relu, relu_grad\ndef residual_backward(dy, x, W, b, scale):\n"
        "    d = Dense(*W.shape); d.W, d.b = W, b; d.forward(relu(x))\n"
        "    return dy + d.backward(scale * dy) * relu_grad(x), d.dW, d.db"),
    ("07_recurrent_networks", "clip_by_norm"): (
        "from vgrad.nn.recurrent import global_norm\ndef clip_by_norm(grads, max_norm):\n"
        "    n = global_norm(grads)\n    return [g * min(1, max_norm / n) for g in grads], n"),
    ("08_lstm_gru", "lstm_step"): (
        "from vgrad.nn import LSTM\ndef lstm_step(x, h_prev, c_prev, Wx, Wh, b):\n"
        "    cell = LSTM(Wx.shape[0], Wh.shape[0]); cell.Wx, cell.Wh, cell.b = Wx, Wh, b\n"
        "    cell.forward(x[:, None, :])\n    _, hh, c, _ = cell.cache\n    return hh[:, 1], c[:, 1]"),
}


@pytest.mark.parametrize("notebook,exercise", sorted(ROUTES))
def test_course_code_that_does_the_work_is_not_own_work(tmp_path, notebook, exercise):
    got = {e.name: e for e in graded_with(tmp_path, notebook, ROUTES[notebook, exercise])}[exercise]
    assert (got.score, got.status) == (0, "not_own_work"), got.feedback


def test_a_child_holding_the_result_channel_open_does_not_hold_up_grading():
    # once every exercise is reported the grader stops listening, rather than wait for the pipe to close
    import numpy as np

    from vgrad.exercises import EXERCISES
    from vgrad.grading import grader

    cells = [c.source for c in SOLUTION.cells if c.cell_type == "code"]
    cells.append("import os, time\nclass _K:\n    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)")
    exercises = sorted((ex for ex in EXERCISES.values() if ex.notebook == "01_chain_rule"), key=lambda e: e.label)
    cases = {ex.name: ex.cases(np.random.default_rng(1)) for ex in exercises}
    # reduced isolation: with full isolation the namespace (and the child) ends with the sandbox anyway
    limits = Limits(cell_timeout=3.0, call_timeout=1.0, timeout=60.0, memory_mb=1024, isolation="reduced")
    run = grader.run_sandbox(cells, exercises, cases, limits, time.monotonic() + limits.timeout)
    assert sorted(run.report) == sorted(ex.name for ex in exercises) and not run.timed_out


@pytest.mark.parametrize("line", [b'{"call": [1], "case": 0}', b'{"done": {"a": 1}, "status": "ran"}',
                                  b'{"done": "chain_bound", "status": ["ran"]}', b'[1]', b'{"cell": 1, "x": 2}',
                                  b'{"outcome": "chain_bound", "case": 99, "kind": "returned", "value": null, "error": ""}'])
def test_every_malformed_message_is_a_protocol_violation(line):
    # never another exception: a TypeError from an unhashable name once escaped the schema check
    from vgrad.grading.grader import Protocol, _message

    with pytest.raises(Protocol):
        _message(line, {"chain_bound"}, {"chain_bound": [None] * 8})
