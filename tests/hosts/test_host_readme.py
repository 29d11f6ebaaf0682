"""README.md's console examples and examples/README.md's commands, run as a reader pastes them:
each block twice in a row in one shell, from a scratch copy of the repository, with the real
Helm 3 or 4 (by the section), kpt and kubectl, and HOME and TMPDIR of the test's own.

Each command must end as the README shows it (failing only where an error is shown), and the
second paste must print what the first printed (temporary names and timings aside): an
example that writes to a fixed path, or needs what its first paste left, fails here. Every
run of apply-imagemaps is recorded and held against the oracle (hostlib.Recorder)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests import readme

from .hostlib import REPO, FnRun, Recorder, run

# A command that starts with one of these is not run here, with the reason.
NOT_RUN = {
    "tilt": "needs a Tilt session",
    "docker": "needs a Docker engine (the container image's own tests build it)",
}
ERROR_SHOWN = ("Error:", "[error]", "[FAIL]")
SHOWS_A_FILE = ("tail ", "cat ")  # what such a command shows is the file's, errors and all
STATUS = "@@status"
PASTE = "@@second paste\n"


def examples_table() -> list[readme.Block]:
    """examples/README.md's "run it" commands, one block each."""
    rows = [r for r in (REPO / "examples" / "README.md").read_text().splitlines() if r[:3] == "| `"]
    commands = [re.findall(r"`([^`]+)`", row.split(" | ")[-1])[0] for row in rows]
    return [readme.Block("examples/README.md", "console", f"$ {c}\n", 0) for c in commands]


def console_blocks() -> list[readme.Block]:
    return [b for b in readme.blocks() if b.lang == "console"] + examples_table()


def not_run(block: readme.Block) -> str | None:
    """Why the block is not run here, or None."""
    for command in readme.commands(block):
        if reason := NOT_RUN.get(command.typed.split()[0]):
            return reason
    return None


def block_id(block: readme.Block) -> str:
    return f"{block.heading}:{block.line}" if block.line else readme.commands(block)[0].typed


BLOCKS = [b for b in console_blocks() if not_run(b) is None]


def test_blocks_run_here_and_not() -> None:
    """Which blocks are left out (the others are run below), and that none names /tmp."""
    left_out = sorted(why for b in console_blocks() if (why := not_run(b)))
    assert left_out == sorted([NOT_RUN["tilt"], NOT_RUN["tilt"], NOT_RUN["docker"]])
    assert len(BLOCKS) >= 20, [block_id(b) for b in BLOCKS]
    typed = [c.typed for b in console_blocks() for c in readme.commands(b)]
    assert not [t for t in typed if "/tmp/" in t], "a fixed /tmp path: use $(mktemp -d)"


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the repository's files that the examples read."""
    return shutil.copytree(
        REPO,
        tmp_path / "repo",
        symlinks=True,
        ignore=shutil.ignore_patterns(".git", ".venv", ".cache", "*cache*", "*.egg-info", "dist"),
    )


@pytest.fixture
def reader_env(
    recorded_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> dict[str, str]:
    """recorded_env with HOME and TMPDIR under tmp_path, ``helm`` Helm 4 in the Helm 4
    section (with the plugin installed, as README "Install" does) and Helm 3 elsewhere, and
    standalone ``kustomize`` for a block that runs it."""
    block: readme.Block = request.node.callspec.params["block"]
    helm_dir = tmp_path / "helm-bin"
    helm_dir.mkdir()
    env = {**recorded_env, "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp")}
    env["PATH"] = f"{helm_dir}:{env['PATH']}"
    (tmp_path / "tmp").mkdir()
    (tmp_path / "home").mkdir()
    if block.heading == "Helm 4":
        helm = request.getfixturevalue("helm4")
        # README "Install": helm plugin install "$(apply-imagemaps --helm-plugin)"
        env["HELM_DATA_HOME"] = f"{env['HOME']}/.local/share/helm4"  # the section's export
        installed = run([helm, "plugin", "install", REPO / "krm_fn" / "helm-plugin"], env)
        assert installed.returncode == 0, installed.stderr
    else:
        helm = request.getfixturevalue("helm3")
    (helm_dir / "helm").symlink_to(helm)
    if any(c.typed.startswith("kustomize ") for c in readme.commands(block)):
        (helm_dir / "kustomize").symlink_to(request.getfixturevalue("kustomize"))
    return env


def normalized(text: str) -> str:
    """Output with what differs from run to run left out: mktemp's names, timings, and the
    time and pid of APPLY_IMAGEMAPS_LOG's heading lines."""
    text = re.sub(r"\btmp\.[A-Za-z0-9]{10}\b", "tmp.XXXXXXXXXX", text)
    text = re.sub(r"^--- \S+ (.*) \(pid \d+, ", r"--- TIME \1 (pid N, ", text, flags=re.MULTILINE)
    return re.sub(r"\bin \d+(\.\d+)?m?s\b", "in Ns", text)


def makes_objects(fn: FnRun) -> bool:
    """A generator run: its config is a KubernetesApply or an ApplyImageMaps with manifests
    (at the top of a file, or indented as a ResourceList's functionConfig and item)."""
    texts = [fn.stdin, *fn.files.values()]
    return any(
        b"kind: KubernetesApply" in t or re.search(rb"^ *manifests:", t, re.MULTILINE)
        for t in texts
    )


@pytest.mark.parametrize("block", BLOCKS, ids=block_id)
def test_block_pasted_twice(
    block: readme.Block,
    scratch: Path,
    reader_env: dict[str, str],
    recorder: Recorder,
    kpt: Path,
    kubectl: Path,
) -> None:
    commands = readme.commands(block)
    once = "".join(f"{c.typed}\nprintf '\\n{STATUS} %s\\n' \"$?\"\n" for c in commands)
    pasted = run(["bash", "-c", f"{once}printf '{PASTE}'\n{once}"], reader_env, cwd=scratch)
    first, second = pasted.stdout.split(PASTE)
    for paste in (first, second):
        statuses = [int(s) for s in re.findall(rf"^{STATUS} (\d+)$", paste, re.MULTILINE)]
        shown_error = [
            not c.typed.startswith(SHOWS_A_FILE)
            and any(e in "\n".join(c.shown) for e in ERROR_SHOWN)
            for c in commands
        ]
        assert [status != 0 for status in statuses] == shown_error, (paste, pasted.stderr)
    assert normalized(second) == normalized(first), "the second paste printed something else"
    runs = recorder.runs()[recorder.checked :]
    # a generator's output, run again, gets the objects again: only the others must be stable
    stable = not any(makes_objects(fn) for fn in runs)
    recorder.check(len(runs), generated=makes_objects, stable=stable)
