"""The container image, built from the Dockerfile with the real podman, and a recording podman.

No container registry is reachable here, so the image is built ``FROM`` the local base image
that ``scripts/get-podman`` makes (``--build-arg BASE=...``), with no network, from wheels of
the project's requirements that pip downloads on the host and the build mounts at /wheels.
Where podman cannot start a container with its defaults, get-podman writes
``.cache/containers.conf``; podman is always run with it (`podman_env`).

A host runs ``podman run ... IMAGE ARGS`` (kpt) or ``docker run ... IMAGE ARGS`` (kustomize)
with the ResourceList on stdin. The recorder is a ``podman`` and a ``docker`` first on PATH
that record each call and pass it to the real podman (hostlib.Recorder; podman takes docker's
arguments, as the ``docker`` of Debian's podman-docker package does); its runs are those of
the image, as runs of the function with ARGS, for the oracle.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
import shlex
import sys
import tomllib
from pathlib import Path

from .hostlib import REPO, FnRun, Recorder, missing, run

BASE = "localhost/apply-imagemaps-base:bookworm"  # scripts/get-podman makes it
BASE_PYTHON = ("3.11", "cp311")  # Debian 12's python3
BASE_GLIBC_MINOR = 36  # Debian 12's glibc 2.36: the newest manylinux wheel it runs
CONF = REPO / ".cache" / "containers.conf"
WHEELS = REPO / ".cache" / "image-wheels"
# What a user runs (README): no network, a read-only root file system.
RUN = ("run", "-i", "--rm", "--network", "none", "--read-only")


def instructions(name: str) -> list[str]:
    """The arguments of every Dockerfile instruction ``name`` (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [line.split(None, 1)[1] for line in lines if line.split(None, 1)[:1] == [name]]


def copied_sources() -> list[str]:
    """The build-context paths that the Dockerfile's COPY instructions read."""
    return [src for args in instructions("COPY") for src in shlex.split(args)[:-1]]


def podman_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with CONTAINERS_CONF set to get-podman's config, if it wrote one."""
    if CONF.exists() and "CONTAINERS_CONF" not in env:
        return {**env, "CONTAINERS_CONF": str(CONF)}
    return env


def requirements() -> list[str]:
    """What ``pip install .`` needs: the build backend's requirements and the dependencies."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    build: list[str] = pyproject["build-system"]["requires"]
    dependencies: list[str] = pyproject["project"]["dependencies"]
    return [*build, *dependencies]


def download_wheels() -> Path:
    """Wheels of `requirements` (and what they need) for the base image's Python, in WHEELS."""
    version, abi = BASE_PYTHON
    arch = platform.machine()
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(17, BASE_GLIBC_MINOR + 1)]
    downloaded = run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--dest", WHEELS, "--only-binary=:all:", "--python-version", version,
            "--implementation", "cp", "--abi", abi,
            *[arg for tag in platforms for arg in ("--platform", tag)],
            *requirements(),
        ],
        dict(os.environ),
    )  # fmt: skip
    assert downloaded.returncode == 0, f"pip download for the image: {downloaded.stderr}"
    return WHEELS


def build_image(podman: Path) -> str:
    """Build the Dockerfile FROM `BASE` and return the image's tag (this session's own)."""
    env = podman_env(dict(os.environ))
    if run([podman, "image", "exists", BASE], env).returncode != 0:
        missing(f"no podman image {BASE}: run `make tools` as root (scripts/get-podman)")
    wheels = download_wheels()
    tag = f"localhost/apply-imagemaps:test-{os.getpid()}"
    built = run(
        [
            podman, "build", "--quiet", "--network", "none", "--build-arg", f"BASE={BASE}",
            "--volume", f"{wheels}:/wheels:ro", "--tag", tag, REPO,
        ],
        env,
    )  # fmt: skip
    assert built.returncode == 0, f"podman build: {built.stderr}"
    return tag


def remove_image(podman: Path, tag: str) -> None:
    removed = run([podman, "rmi", tag], podman_env(dict(os.environ)))
    assert removed.returncode == 0, removed.stderr


class ContainerRecorder(Recorder):
    """A ``podman``, also named ``docker``, that records every call a host makes and passes
    it to the real podman (changing nothing the host sees); its runs are the ``run`` calls
    of ``image``, each as a run of the function with the arguments that follow the image."""

    def __init__(self, root: Path, podman: Path, image: str) -> None:
        super().__init__(root, podman, name="podman")
        (self.path.parent / "docker").symlink_to(self.path.name)
        self.image = image

    def runs(self) -> list[FnRun]:
        return [
            dataclasses.replace(fn, args=fn.args[fn.args.index(self.image) + 1 :])
            for fn in super().runs()
            if fn.args[:1] == ["run"] and self.image in fn.args
        ]


@dataclasses.dataclass(frozen=True)
class Container:
    """What a container test runs with: the image's tag, the recording podman, and an
    environment with it first on PATH, podman's config and ``KPT_FN_RUNTIME=podman``."""

    image: str
    recorder: ContainerRecorder
    env: dict[str, str]
