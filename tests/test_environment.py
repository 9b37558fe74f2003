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

    reqs = [r for r in requires("vgrad")]
    return {
        "dependencies": [r for r in reqs if "extra ==" not in r],
        "optional-dependencies": {"test": [r.split(";")[0] for r in reqs if 'extra == "test"' in r]},
        "requires-python": metadata("vgrad")["Requires-Python"],
    }


def as_specs(lines):
    out = {}
    for line in lines:
        req = Requirement(line)
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def conda():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    return as_specs(plain), pip_section


def test_conda_and_pip_list_the_same_packages_and_versions():
    project = pyproject()
    pip_specs = as_specs(project["dependencies"] + project["optional-dependencies"]["test"])
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
