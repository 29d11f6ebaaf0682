"""The kpt packages under examples/: `kpt fn render --allow-exec` on a copy of each one, and on
a copy of the whole repository (the top-level Kptfile and .krmignore)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .hostlib import GOLDEN, REPO, assert_golden_tree, read_tree, run

KPT_EXAMPLES = sorted(kptfile.parent.name for kptfile in (REPO / "examples").glob("*/Kptfile"))


def render(kpt: Path, env: dict[str, str], pkg: Path) -> None:
    rendered = run([kpt, "fn", "render", pkg, "--allow-exec"], env)
    assert rendered.returncode == 0, rendered.stderr


def assert_rendered(pkg: Path, name: str) -> None:
    """The package's files are exactly the golden ones of example ``name``."""
    assert_golden_tree(GOLDEN / "examples" / name, read_tree(pkg))


@pytest.mark.parametrize("name", KPT_EXAMPLES)
def test_example_renders_to_its_golden_output(
    name: str, kpt: Path, host_env: dict[str, str], tmp_path: Path
) -> None:
    pkg = shutil.copytree(REPO / "examples" / name, tmp_path / name)
    render(kpt, host_env, pkg)
    assert_rendered(pkg, name)
    rendered = read_tree(pkg)
    render(kpt, host_env, pkg)
    assert read_tree(pkg) == rendered, "a second render changed the package"


def test_repository_is_a_kpt_package_of_just_the_examples(
    kpt: Path, host_env: dict[str, str], tmp_path: Path
) -> None:
    repo = shutil.copytree(
        REPO,
        tmp_path / "repo",
        ignore=shutil.ignore_patterns(".git", ".venv", ".cache", "*cache*", "*.egg-info"),
    )
    tree = run([kpt, "pkg", "tree", repo], host_env)
    assert tree.returncode == 0, tree.stderr
    assert [line for line in tree.stdout.splitlines() if "Package" in line] == [
        'Package "repo"',
        *(f'├── Package "{name}"' for name in KPT_EXAMPLES[:-1]),
        f'└── Package "{KPT_EXAMPLES[-1]}"',
    ]
    render(kpt, host_env, repo)
    for name in KPT_EXAMPLES:
        assert_rendered(repo / "examples" / name, name)
