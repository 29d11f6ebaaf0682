"""The Dockerfile and .dockerignore as files: the default base image's pin, the user, the
entrypoint, the build context, and the Dockerfile's install steps run in a fresh virtualenv on
exactly the copied files. They need no container engine; test_host_container.py builds the
image with podman and runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from .containers import copied_sources, instructions
from .hostlib import FRONTEND, REPO, FnRun, check_fn_run, run

EXAMPLE = REPO / "examples" / "basic"


def project() -> dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    table: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return table


def test_base_is_a_pinned_slim_python_that_satisfies_requires_python() -> None:
    (from_,) = instructions("FROM")
    assert from_ == "${BASE}", "FROM takes the base image from the BASE build argument"
    (arg,) = instructions("ARG")
    name, _, base = arg.partition("=")
    assert name == "BASE"
    match = re.fullmatch(r"python:(\d+)\.(\d+)\.\d+-slim-[a-z]+", base)
    assert match, f"FROM {base}: expected python:X.Y.Z-slim-<debian release>, no floating tag"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project()["requires-python"])
    assert minimum
    assert tuple(map(int, match.groups())) >= tuple(map(int, minimum.groups()))


def test_runs_as_the_non_root_user_it_creates() -> None:
    *_, user = instructions("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "USER must be a numeric non-root uid"
    assert any(f"--uid {uid}" in step for step in instructions("RUN") if "useradd" in step)


def test_entrypoint_is_the_console_script() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["apply-imagemaps"]
    assert "apply-imagemaps" in project()["scripts"]


def test_dockerignore_lets_every_copied_source_through() -> None:
    lines = [ln for ln in (REPO / ".dockerignore").read_text().splitlines() if ln[:1] != "#"]
    assert lines[0] == "*", ".dockerignore must be an allow-list: `*`, then `!path` lines"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {src.rstrip("/") for src in copied_sources()} <= allowed


def test_install_steps_work_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    context = tmp_path / "context"
    for src in copied_sources():
        if (REPO / src).is_dir():
            shutil.copytree(REPO / src, context / src, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy(REPO / src, context / src)
    venv = tmp_path / "venv"
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    made = run([sys.executable, "-m", "venv", venv], env)
    assert made.returncode == 0, made.stderr
    pip_steps = [step for step in instructions("RUN") if step.startswith("pip install")]
    assert pip_steps, "the Dockerfile has no `RUN pip install` step"
    for step in pip_steps:
        installed = run(["sh", "-c", step], env, cwd=context)
        assert installed.returncode == 0, installed.stderr

    args: list[str | Path] = [
        venv / "bin" / "apply-imagemaps",
        "--imagemaps",
        EXAMPLE / "imagemaps.yaml",
    ]
    stdin = (EXAMPLE / "resources.yaml").read_text()
    rewritten = run(args, env, stdin=stdin)
    assert rewritten.returncode == 0, rewritten.stderr
    check_fn_run(FnRun.by_hand(args, stdin, rewritten))
    assert f"image: {FRONTEND}\n" in rewritten.stdout
