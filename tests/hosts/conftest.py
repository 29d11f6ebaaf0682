"""Fixtures of the host tests: the path of each real binary, and an isolated environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .hostlib import find_tool


@pytest.fixture
def helm3() -> Path:
    return find_tool("helm3")


@pytest.fixture
def helm4() -> Path:
    return find_tool("helm4")


@pytest.fixture
def kpt() -> Path:
    return find_tool("kpt")


@pytest.fixture
def kubectl() -> Path:
    return find_tool("kubectl")


@pytest.fixture
def apply_imagemaps() -> Path:
    return find_tool("apply-imagemaps")


@pytest.fixture
def host_env(tmp_path: Path, apply_imagemaps: Path) -> dict[str, str]:
    """The environment for a host: apply-imagemaps first on PATH, and the Helm and kustomize
    state (config, cache, data, plugins) only under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUSTOMIZE_"))}
    env["PATH"] = os.pathsep.join([str(apply_imagemaps.parent), env["PATH"]])
    for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
        env[var] = str(tmp_path / "helm-home" / var.lower())
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    return env
