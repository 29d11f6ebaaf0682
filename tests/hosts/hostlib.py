"""Helpers for the host tests: the real helm 3 and 4, kpt and kubectl, run in temporary dirs.

Each binary is looked up in its environment variable (``HELM3``, ``HELM4``, ``KPT``,
``KUBECTL``), then on PATH behind ``.cache/bin`` (where ``make tools`` puts helm3 and helm4).
A missing binary skips the test with a message that says how to get it, except under
``CI=true``, where it fails the test: CI must run every host.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden"
TOOLS_BIN = REPO / ".cache" / "bin"
_UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

# The Helm example chart, its ImageMaps (and the images they inject), and a broken ImageMap.
CHART = REPO / "examples" / "helm" / "chart"
MAPS = REPO / "examples" / "helm" / "imagemaps.yaml"
INVALID_MAPS = DATA / "imagemaps-invalid.yaml"
FRONTEND = "localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2"
MIGRATIONS = "localhost:5000/example.com_shop_migrations:tilt-9f2c01d1b7a3e6c4"

_GET_HELM = "run `make tools` (bash scripts/get-helm .cache/bin)"
# tool -> (environment variable that overrides the lookup, how to get the tool)
_TOOLS: dict[str, tuple[str, str]] = {
    "helm3": ("HELM3", _GET_HELM),
    "helm4": ("HELM4", _GET_HELM),
    "kpt": ("KPT", "install kpt 1.0.0-beta.56 (Debian package google-cloud-cli-kpt)"),
    "kubectl": ("KUBECTL", "install kubectl 1.32 (Debian package kubectl)"),
    "apply-imagemaps": ("APPLY_IMAGEMAPS", "run `make` (pip install -e . into .venv)"),
}


def find_tool(name: str) -> Path:
    """The tool's path; skip (fail under CI=true) when it is not there."""
    env_var, how = _TOOLS[name]
    search = os.pathsep.join([str(Path(sys.executable).parent), str(TOOLS_BIN), os.environ["PATH"]])
    found = os.environ.get(env_var) or shutil.which(name, path=search)
    if found and os.access(found, os.X_OK):
        return Path(found)
    missing(f"{name} not found (${env_var}, .cache/bin or PATH): {how}")


def missing(message: str) -> NoReturn:
    """Something a host test needs is not on this machine: fail under CI=true, else skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run(
    args: Sequence[str | Path],
    env: dict[str, str],
    *,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion and capture its output (never raises on exit status)."""
    return subprocess.run(
        [str(a) for a in args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def changed_lines(before: str, after: str) -> list[str]:
    """The lines that differ, as ``-old`` and ``+new`` (a unified diff without its context),
    so a test can say that these lines changed and every other byte is the same."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [line for line in list(diff)[2:] if not line.startswith("@@")]


def assert_golden(path: Path, actual: str) -> None:
    """``actual`` must equal the file; UPDATE_GOLDEN=1 rewrites a differing file and fails."""
    if _UPDATE_GOLDEN and (not path.exists() or path.read_text() != actual):
        _write_and_fail(path.parent, {path.name: actual})
    assert path.exists(), f"{path.relative_to(REPO)} missing (UPDATE_GOLDEN=1 writes it)"
    assert actual == path.read_text(), f"{path.relative_to(REPO)} differs (UPDATE_GOLDEN=1)"


def assert_golden_tree(root: Path, files: dict[str, str]) -> None:
    """``files`` (as read_tree gives them) must be exactly the files under root;
    UPDATE_GOLDEN=1 rewrites a differing root and fails."""
    if _UPDATE_GOLDEN and (not root.exists() or read_tree(root) != files):
        shutil.rmtree(root, ignore_errors=True)
        _write_and_fail(root, files)
    assert root.exists(), f"{root.relative_to(REPO)} missing (UPDATE_GOLDEN=1 writes it)"
    assert files == read_tree(root), f"{root.relative_to(REPO)} differs (UPDATE_GOLDEN=1)"


def _write_and_fail(root: Path, files: dict[str, str]) -> NoReturn:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    pytest.fail(f"updated {root.relative_to(REPO)}: review it and run again")


def read_tree(root: Path) -> dict[str, str]:
    """Every file under root, by its slash path relative to root."""
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def helm_template(
    helm: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """``helm template shop CHART ARGS...``: the test chart, rendered as release ``shop``."""
    return run([helm, "template", "shop", CHART, *args], env)


def post_renderer(name: str | Path, maps: Path) -> list[str]:
    """The flags that post-render with apply-imagemaps (Helm 3: an executable; Helm 4: the
    plugin's name) and pass it ``--imagemaps MAPS``."""
    return [
        "--post-renderer", str(name),
        "--post-renderer-args", "--imagemaps",
        "--post-renderer-args", str(maps),
    ]  # fmt: skip


def helm_document(stream: str, source: str) -> str:
    """The document of ``helm template`` output that comes from template ``source``."""
    header = f"# Source: {source}\n"
    (document,) = [d for d in stream.split("---\n") if d.startswith(header)]
    return document
