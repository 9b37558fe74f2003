"""environment.yml (conda) and pyproject.toml (pip) describe the same environment."""
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None


def pyproject():
    if tomllib is not None:
        return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from importlib.metadata import metadata, requires  # the installed copy of the same file

    reqs = [Requirement(r) for r in requires("vgrad")]
    extras = {}
    for extra in metadata("vgrad").get_all("Provides-Extra") or []:
        extras[extra] = [f"{r.name}{r.specifier}" for r in reqs if r.marker and r.marker.evaluate({"extra": extra})]
    return {
        "dependencies": [str(r) for r in reqs if not r.marker],
        "optional-dependencies": extras,
        "requires-python": metadata("vgrad")["Requires-Python"],
    }


def as_specs(lines):
    out = {}
    for line in lines:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert out.get(name, str(req.specifier)) == str(req.specifier), f"{name} is listed with two versions"
        out[name] = str(req.specifier)
    return out


def conda():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    return as_specs(plain), pip_section


def test_conda_and_pip_list_the_same_packages_and_versions():
    """conda installs everything: the course's dependencies and every extra (lab, course, test)."""
    project = pyproject()
    pip_specs = as_specs(project["dependencies"] + sum(project["optional-dependencies"].values(), []))
    conda_specs, _ = conda()
    python = conda_specs.pop("python")
    conda_specs.pop("pip")
    missing_in_conda = sorted(set(pip_specs) - set(conda_specs))
    missing_in_pip = sorted(set(conda_specs) - set(pip_specs))
    assert not missing_in_conda, f"add to environment.yml: {missing_in_conda}"
    assert not missing_in_pip, f"add to pyproject.toml: {missing_in_pip}"
    differ = {n: (pip_specs[n], conda_specs[n]) for n in pip_specs if pip_specs[n] != conda_specs[n]}
    assert not differ, f"versions differ (pyproject, environment.yml): {differ}"
    assert python == str(Requirement("python" + project["requires-python"]).specifier)


def test_conda_installs_the_course_package_itself():
    _, pip_section = conda()
    assert pip_section == [{"pip": ["-e ."]}]


def test_the_grader_needs_neither_jupyterlab_nor_the_course_tools():
    """Gradescope's image installs only the dependencies: JupyterLab and nbclient are extras."""
    project = pyproject()
    base = set(as_specs(project["dependencies"]))
    assert not base & {"jupyterlab", "ipykernel", "nbformat", "nbclient"}
    extras = project["optional-dependencies"]
    assert {"jupyterlab", "ipykernel"} <= set(as_specs(extras["lab"]))
    assert {"nbformat", "nbclient"} <= set(as_specs(extras["course"]))


def test_vgrad_build_without_the_course_extra_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    from vgrad import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("nbformat", "nbclient") else real(name, *a))
    for command in (["build", "--check"], ["execute", "solutions/01_chain_rule.ipynb"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "pip install 'vgrad[course]'" in err, err
