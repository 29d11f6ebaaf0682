"""Fixtures of the host tests: the path of each real binary, an isolated environment, and
(recorded_env) the same with every run of apply-imagemaps recorded, for the oracle; the
container image built from the Dockerfile (image) and (container) an environment in which
each podman run of it is recorded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import containers
from .containers import ContainerRecorder
from .hostlib import Recorder, find_tool


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
def kustomize() -> Path:
    return find_tool("kustomize")


@pytest.fixture
def podman() -> Path:
    return find_tool("podman")


@pytest.fixture(scope="session")
def image() -> Iterator[str]:
    """The tag of the image built from the Dockerfile (once a session, removed after it)."""
    podman = find_tool("podman")
    tag = containers.build_image(podman)
    yield tag
    containers.remove_image(podman, tag)


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


@pytest.fixture
def recorder(tmp_path: Path, apply_imagemaps: Path) -> Iterator[Recorder]:
    """A recording apply-imagemaps (hostlib.Recorder). Every run it records must be held
    against the oracle (`recorder.check`) before the test ends."""
    recorded = Recorder(tmp_path / "recorder", apply_imagemaps)
    yield recorded
    assert_all_checked(recorded)


def assert_all_checked(recorded: Recorder) -> None:
    unchecked = len(recorded.runs()) - recorded.checked
    assert not unchecked, f"{unchecked} run(s) of the function not checked by the oracle"


@pytest.fixture
def recorded_env(host_env: dict[str, str], recorder: Recorder) -> dict[str, str]:
    """host_env with the recorder first on PATH: what a host runs as apply-imagemaps is
    recorded, for `recorder.check`."""
    return recorder.env(host_env)


@pytest.fixture
def container(
    tmp_path: Path, host_env: dict[str, str], podman: Path, image: str
) -> Iterator[containers.Container]:
    """The image, a recording podman (containers.ContainerRecorder) and host_env with it first
    on PATH, podman's config (get-podman's, if it wrote one) and ``KPT_FN_RUNTIME=podman``
    (kpt runs the image with podman). Every run of the image it records must be held against
    the oracle (`container.recorder.check`) before the test ends."""
    recorded = ContainerRecorder(tmp_path / "podman-recorder", podman, image)
    env = containers.podman_env(recorded.env(host_env))
    yield containers.Container(image, recorded, {**env, "KPT_FN_RUNTIME": "podman"})
    assert_all_checked(recorded)
