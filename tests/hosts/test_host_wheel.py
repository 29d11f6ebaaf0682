"""The install a user makes (README "Install"): what `make dist` builds (scripts/build-dist:
the sdist, the wheel built from that sdist, and the Helm 4 plugin archive), the wheel installed
with pip into a fresh virtualenv as pipx does, and the Helm 4 plugin taken from the installed
package, run by the real Helm 4.

Helm runs the plugin's ``apply-imagemaps`` from PATH. Here the ``apply_imagemaps`` fixture is
the installed console script, so host_env puts the virtualenv's bin first on PATH and the
recorder runs that one; every run is held against the oracle (hostlib.Recorder), which also
checks that the installed program gives the repository's output byte for byte."""

from __future__ import annotations

import os
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from .hostlib import GOLDEN, MAPS, REPO, Recorder, assert_golden, helm_template, post_renderer, run

VERSION: str = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
WHEEL = f"apply_imagemaps-{VERSION}-py3-none-any.whl"
SDIST = f"apply_imagemaps-{VERSION}.tar.gz"
PLUGIN_ARCHIVE = f"apply-imagemaps-{VERSION}.tgz"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory `make dist` would fill (scripts/build-dist, run with this Python)."""
    out = tmp_path_factory.mktemp("dist")
    built = run(
        ["bash", REPO / "scripts" / "build-dist", out], {**os.environ, "PYTHON": sys.executable}
    )
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([WHEEL, SDIST, PLUGIN_ARCHIVE])
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with only the wheel (and its dependencies) installed in it."""
    root = tmp_path_factory.mktemp("venv")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    made = run([sys.executable, "-m", "venv", root], env)
    assert made.returncode == 0, made.stderr
    pip: list[str | Path] = [
        root / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        dist / WHEEL,
    ]
    installed = run(pip, env)
    assert installed.returncode == 0, installed.stderr
    return root


def installed_plugin(venv: Path) -> Path:
    """The Helm 4 plugin directory of the installed package (`apply-imagemaps --helm-plugin`
    prints the same path)."""
    code = "import pathlib, krm_fn; print(pathlib.Path(krm_fn.__file__).parent / 'helm-plugin')"
    found = run([venv / "bin" / "python", "-c", code], {"PATH": os.environ["PATH"]}, cwd=venv)
    assert found.returncode == 0, found.stderr
    plugin = Path(found.stdout.strip())
    assert plugin.is_relative_to(venv), f"{plugin}: not the installed package's"
    return plugin


@pytest.fixture
def apply_imagemaps(venv: Path) -> Path:
    """The installed console script, for host_env and the recorder (tests/hosts/conftest.py)."""
    return venv / "bin" / "apply-imagemaps"


def test_wheel_holds_the_package_its_data_and_the_license(dist: Path) -> None:
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = set(wheel.namelist())
        info = f"apply_imagemaps-{VERSION}.dist-info"
        metadata = wheel.read(f"{info}/METADATA").decode()
        license_text = wheel.read(f"{info}/licenses/LICENSE")
    package = {
        p.relative_to(REPO).as_posix()
        for pattern in ("krm_fn/*.py", "krm_fn/schemas/*.py", "krm_fn/schemas/*.json")
        for p in REPO.glob(pattern)
    }
    assert {n for n in names if not n.startswith(info)} == package | {
        "krm_fn/helm-plugin/plugin.yaml"
    }
    assert license_text == (REPO / "LICENSE").read_bytes()
    headers = [line.split(": ", 1) for line in metadata.split("\n\n", 1)[0].splitlines()]
    assert ["License-Expression", "Apache-2.0"] in headers
    assert ["License-File", "LICENSE"] in headers
    assert any(key == "Project-URL" for key, _ in headers)
    assert ["Classifier", "Programming Language :: Python :: 3.11"] in headers


def test_plugin_and_package_have_one_version() -> None:
    plugin = yaml.safe_load((REPO / "krm_fn" / "helm-plugin" / "plugin.yaml").read_text())
    assert (plugin["name"], plugin["version"]) == ("apply-imagemaps", VERSION)
    # the top-level helm-plugin/ of the layout is the package's directory, not a copy
    assert (REPO / "helm-plugin").resolve() == REPO / "krm_fn" / "helm-plugin"


def test_installed_plugin_runs_the_installed_program_under_helm4(
    helm4: Path, venv: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    plugins = tmp_path / "helm4-plugins"
    plugins.mkdir()
    (plugins / "apply-imagemaps").symlink_to(installed_plugin(venv), target_is_directory=True)
    env = {**recorded_env, "HELM_PLUGINS": str(plugins)}
    rendered = helm_template(helm4, env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    recorder.check(1)
    assert_golden(GOLDEN / "helm4-template.yaml", rendered.stdout)


@pytest.mark.parametrize("source", ["installed package", "plugin archive"])
def test_helm4_plugin_install(
    source: str,
    helm4: Path,
    dist: Path,
    venv: Path,
    recorded_env: dict[str, str],
    recorder: Recorder,
    tmp_path: Path,
) -> None:
    """README "Install": `helm plugin install "$(apply-imagemaps --helm-plugin)"`, or the
    archive `make dist` builds (unsigned: Helm 4 needs --verify=false for it)."""
    env = {**recorded_env, "HELM_DATA_HOME": str(tmp_path / "helm4-data")}
    if source == "installed package":
        install: list[str | Path] = [helm4, "plugin", "install", installed_plugin(venv)]
    else:
        install = [helm4, "plugin", "install", dist / PLUGIN_ARCHIVE, "--verify=false"]
    installed = run(install, env)
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.splitlines()[-1] == "Installed plugin: apply-imagemaps"
    listed = run([helm4, "plugin", "list"], env)
    assert listed.stdout.splitlines()[1].split()[:4] == [
        "apply-imagemaps", VERSION, "postrenderer/v1", "v1"
    ]  # fmt: skip
    rendered = helm_template(helm4, env, *post_renderer("apply-imagemaps", MAPS))
    assert rendered.returncode == 0, rendered.stderr
    recorder.check(1)
    assert_golden(GOLDEN / "helm4-template.yaml", rendered.stdout)
