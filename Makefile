# Vanishing Gradients — two commands:
#   make lab    set up .venv (first time only) and open the course in JupyterLab
#   make test   set up .venv with the test tools (first time only) and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
JOBS ?= 2
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
# JupyterLab refuses to run as root (containers, CI) unless told it may.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
NBVAL := --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# nbgrader lives in its own environment: the tests check the course against it, and learners'
# JupyterLab stays free of its menus.
NBGRADER_VENV ?= .venv-nbgrader
# Tests run two workers on two cores: one BLAS thread each, instead of each fighting the other for both.
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help lab test notebooks solutions build clean torch-check

help:
	@echo "make lab        open the course in JupyterLab (sets up .venv the first time)"
	@echo "make test       run every test: unit tests, notebooks (nbval), consistency checks"
	@echo "make notebooks  re-run the solution notebooks, then rebuild notebooks/ from them"
	@echo "make build      rebuild notebooks/ from solutions/ without re-running them"
	@echo "make torch-check  vgrad.nn against PyTorch, and speed beside it (installs PyTorch in .venv-torch)"
	@echo "make clean      remove .venv, .venv-nbgrader and .venv-torch"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Vanishing Gradients needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "Python's venv module is missing. On Debian/Ubuntu: sudo apt install python3-venv; then run make again."; exit 1; }
	@echo "Creating $(VENV) (the first time takes a few minutes)..."
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(PIP_INSTALL) --upgrade pip || { rm -rf $(VENV); exit 1; }

# Reinstalled only when pyproject.toml changes. The extras: lab (JupyterLab), course (vgrad build and
# execute), test; the course's plain dependencies are all that grading needs.
$(VENV)/.installed-lab: pyproject.toml | $(PY)
	$(PIP_INSTALL) -e '.[lab,course]'
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@# a course needs no JupyterLab news or update pop-ups
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP_INSTALL) -e '.[lab,course,test]'
	@touch $@

lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

$(NBGRADER_VENV)/.installed: pyproject.toml | $(PY)
	$(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "nbgrader>=0.9.6,<0.10" "ipykernel>=6.29,<7" -e .
	@touch $@

test: $(VENV)/.installed-test $(NBGRADER_VENV)/.installed
	$(TEST_ENV) VGRAD_NBGRADER=$(CURDIR)/$(NBGRADER_VENV)/bin/nbgrader \
	$(BIN)/pytest -n $(JOBS) --dist loadfile tests solutions --nbval $(NBVAL)

# PyTorch lives in its own environment too: the course never needs it; this only checks vgrad.nn against it.
TORCH_VENV ?= .venv-torch
TORCH ?= torch==2.13.0

$(TORCH_VENV)/.installed: pyproject.toml | $(PY)
	$(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(TORCH)" "pytest>=8" -e .
	@touch $@

torch-check: $(TORCH_VENV)/.installed
	$(TORCH_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_against_torch.py
	$(TORCH_VENV)/bin/python benchmarks/vs_torch.py --quick

solutions: $(VENV)/.installed-test
	$(BIN)/vgrad execute

build: $(VENV)/.installed-lab
	$(BIN)/vgrad build

notebooks: solutions build

clean:
	rm -rf $(VENV) $(NBGRADER_VENV) $(TORCH_VENV)
