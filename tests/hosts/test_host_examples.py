"""The kpt packages under examples/: `kpt fn render --allow-exec` on a copy of each one, and on
a copy of the whole repository (the top-level Kptfile and .krmignore). Each run of the function
is recorded and held against the oracle (hostlib.Recorder)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.oracle import load_all

from .hostlib import GOLDEN, REPO, FnRun, Recorder, assert_golden_tree, read_tree, run

KPT_EXAMPLES = sorted(kptfile.parent.name for kptfile in (REPO / "examples").glob("*/Kptfile"))
GENERATORS = {"tilt"}  # its function config is a KubernetesApply: it adds the manifests


def package_of(fn: FnRun, root: Path) -> str:
    """The package whose pipeline a run was (kpt's package-path, relative to root)."""
    (resource_list,) = load_all(fn.stdin)
    (kptfile,) = [i for i in resource_list["items"] if i["kind"] == "Kptfile"]
    path = kptfile["metadata"]["annotations"]["internal.config.kubernetes.io/package-path"]
    return Path(path).relative_to(root).as_posix()


def render(kpt: Path, env: dict[str, str], pkg: Path) -> None:
    rendered = run([kpt, "fn", "render", pkg, "--allow-exec"], env)
    assert rendered.returncode == 0, rendered.stderr


def assert_rendered(pkg: Path, name: str) -> None:
    """The package's files are exactly the golden ones of example ``name``."""
    assert_golden_tree(GOLDEN / "examples" / name, read_tree(pkg))


@pytest.mark.parametrize("name", KPT_EXAMPLES)
def test_example_renders_to_its_golden_output(
    name: str, kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    pkg = shutil.copytree(REPO / "examples" / name, tmp_path / name)
    render(kpt, recorded_env, pkg)
    recorder.check(1, generated=name in GENERATORS)
    assert_rendered(pkg, name)
    rendered = read_tree(pkg)
    render(kpt, recorded_env, pkg)
    recorder.check(1, generated=name in GENERATORS)
    assert read_tree(pkg) == rendered, "a second render changed the package"


def test_repository_is_a_kpt_package_of_just_the_examples(
    kpt: Path, recorded_env: dict[str, str], recorder: Recorder, tmp_path: Path
) -> None:
    repo = shutil.copytree(
        REPO,
        tmp_path / "repo",
        # what the repository's tools leave behind, mutmut's copy of it (mutants/) too
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".cache", "*cache*", "*.egg-info", "mutants"
        ),
    )
    tree = run([kpt, "pkg", "tree", repo], recorded_env)
    assert tree.returncode == 0, tree.stderr
    assert [line for line in tree.stdout.splitlines() if "Package" in line] == [
        'Package "repo"',
        *(f'├── Package "{name}"' for name in KPT_EXAMPLES[:-1]),
        f'└── Package "{KPT_EXAMPLES[-1]}"',
    ]
    render(kpt, recorded_env, repo)
    # Once for each example's pipeline (the top-level Kptfile has none), and once for each
    # golden copy of an example under tests/: `kpt pkg tree` honours .krmignore, but
    # `kpt fn render` finds every subpackage. The golden copies are rendered already, so the
    # render leaves them as they are.
    packages = [package_of(fn, repo) for fn in recorder.runs()]
    golden = GOLDEN.relative_to(REPO) / "examples"
    assert sorted(packages) == sorted(
        f"{parent}/{name}" for parent in ("examples", golden.as_posix()) for name in KPT_EXAMPLES
    )
    recorder.check(
        len(packages), generated=lambda fn: Path(package_of(fn, repo)).name in GENERATORS
    )
    for name in KPT_EXAMPLES:
        assert_rendered(repo / "examples" / name, name)
