"""Helpers for the host tests: the real helm 3 and 4, kpt, kubectl, standalone kustomize and
podman, run in temporary dirs.

Each binary is looked up in its environment variable (``HELM3``, ``HELM4``, ``KPT``,
``KUBECTL``, ``KUSTOMIZE``, ``PODMAN``), then on PATH behind ``.cache/bin`` (where ``make
tools`` puts helm3, helm4 and kustomize).
A missing binary skips the test with a message that says how to get it, except under
``CI=true``, where it fails the test: CI must run every host.

A host's own output is not the function's (Helm adds hooks, kpt and kustomize re-serialize),
so the tests run the hosts through a `Recorder`: an ``apply-imagemaps`` first on PATH that
keeps what the host passed to the real one and what it got back, for `check_fn_run` to hold
against the oracle (tests/oracle.py, SPEC §6).
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

from krm_fn import cli, pipeline, tilt
from tests.oracle import assert_exact, assert_stable

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
    "kustomize": ("KUSTOMIZE", "run `make tools` (bash scripts/get-kustomize .cache/bin)"),
    "podman": ("PODMAN", "as root: bash scripts/get-podman --apt .cache (Debian's podman 4.3)"),
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


# --- what the function got and gave, held against the oracle -----------------------------


@dataclass(frozen=True)
class FnRun:
    """One run of apply-imagemaps as a host made it: its arguments and working directory,
    the bytes of each argument that named a file (kustomize's config file is gone when the
    host is done), stdin, what it gave back, and the environment `--tilt` reads (`_TILT_ENV`)."""

    args: list[str]
    cwd: Path
    files: dict[str, bytes]
    stdin: bytes
    stdout: bytes
    stderr: bytes
    status: int
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def by_hand(
        cls,
        args: Sequence[str | Path],
        stdin: str,
        done: subprocess.CompletedProcess[str],
        env: Mapping[str, str] | None = None,
    ) -> FnRun:
        """A run made with `run` (``args[0]`` the program, `env` its environment), its
        files read now."""
        argv = [str(a) for a in args[1:]]
        files = {a: Path(a).read_bytes() for a in _file_args(argv) if Path(a).is_file()}
        tilt_env = {k: v for k, v in (env or {}).items() if re.fullmatch(_TILT_ENV, k)}
        return cls(
            argv, Path.cwd(), files, stdin.encode(), done.stdout.encode(), done.stderr.encode(),
            done.returncode, tilt_env,
        )  # fmt: skip


def _file_args(argv: Sequence[str]) -> list[str]:
    """Each argument as the file it may name (``--imagemaps=FILE`` names FILE)."""
    return [a.removeprefix("--imagemaps=") for a in argv]


def check_fn_run(
    fn: FnRun, *, generated: bool = False, stable: bool = True
) -> pipeline.Output | None:
    """The oracle on one run: `pipeline.run` in-process on the same stdin and config files
    must give the same stdout bytes and exit status (it is the same program), and its
    results must account exactly for the difference between stdin and stdout (KRM mode: the
    ResourceList's own results); when it succeeds and `stable`, a run on the output changes
    nothing. `generated`: the output may end with a generator's new objects. None: the
    program never ran (a usage error, or a config file it could not read), and wrote
    nothing."""
    what = f"apply-imagemaps {shlex.join(fn.args)} (in {fn.cwd})"
    try:
        args = cli.parse_args(fn.args)
    except cli.UsageError:
        assert (fn.status, fn.stdout) == (2, b""), f"{what}: a usage error, but it ran"
        return None
    assert not args.help, f"{what}: --help is not a run"
    if any(path not in fn.files for path in args.paths):
        assert (fn.status, fn.stdout) == (1, b""), f"{what}: a config file it cannot read"
        return None
    files = [pipeline.ConfigFile(path, fn.files[path]) for path in args.paths]
    if args.tilt:  # the same Tilt variables, and the same `tilt` on PATH
        try:
            files += tilt.config_files(fn.env, cli.max_input(fn.env))
        except tilt.TiltError:
            assert (fn.status, fn.stdout) == (1, b""), f"{what}: --tilt variables in error"
            return None

    def read(path: str) -> bytes:
        return (fn.cwd / path).read_bytes()

    out = pipeline.run(fn.stdin, files, strict=args.strict, read=read)
    assert out.stdout == fn.stdout, f"{what}: in-process stdout differs from the host's run"
    assert out.exit_code == fn.status, f"{what}: exit {fn.status}, in-process {out.exit_code}"
    assert_exact(fn.stdin, fn.stdout, None if out.krm else out.results, generated=generated)
    if stable and out.exit_code == 0:
        assert_stable(fn.stdout, pipeline.run(fn.stdout, files, strict=args.strict, read=read))
    return out


# What of a run's environment is recorded: what `--tilt` reads (Tilt's variables, and the
# PATH it finds `tilt` on).
_TILT_ENV = "TILT_[A-Za-z0-9_]*|PATH"  # the names, an ERE and a Python regex alike
# The recording apply-imagemaps: run N keeps its arguments (NUL-terminated), working
# directory, a copy of each argument that names a file (file.I for argument I), stdin,
# _TILT_ENV's variables (a line each), and the real one's stdout, stderr and exit status,
# which it passes on unchanged.
_RECORDER = """\
#!/bin/sh
n=0
[ -d {runs} ] || {{ echo "apply-imagemaps recorder: {runs} is gone" >&2; exit 70; }}
while ! mkdir {runs}/"$n" 2>/dev/null; do n=$((n + 1)); done
d={runs}/$n
: >"$d/args"
i=0
for a in "$@"; do
  printf '%s\\0' "$a" >>"$d/args"
  f=${{a#--imagemaps=}}
  if [ -f "$f" ]; then cp "$f" "$d/file.$i"; fi
  i=$((i + 1))
done
pwd >"$d/cwd"
env | grep -E '^({tilt_env})=' >"$d/env"
cat >"$d/stdin"
{real} "$@" <"$d/stdin" >"$d/stdout" 2>"$d/stderr"
status=$?
echo "$status" >"$d/status"
cat "$d/stderr" >&2
cat "$d/stdout"
exit "$status"
"""


class Recorder:
    """An ``apply-imagemaps`` (or another program, ``name``) that records every run a host
    makes of the real one (``real``) and changes nothing the host sees: the same stdout
    bytes, stderr and exit status."""

    def __init__(self, root: Path, real: Path, *, name: str = "apply-imagemaps") -> None:
        self.runs_dir = root / "runs"
        self.runs_dir.mkdir(parents=True)
        self.path = root / "bin" / name
        self.path.parent.mkdir()
        self.path.write_text(
            _RECORDER.format(
                runs=shlex.quote(str(self.runs_dir)),
                real=shlex.quote(str(real)),
                tilt_env=_TILT_ENV,
            )
        )
        self.path.chmod(0o755)
        self.checked = 0

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the recorder first on PATH (hosts, and scripts/install-kustomize-plugin,
        find apply-imagemaps there)."""
        return {**env, "PATH": os.pathsep.join([str(self.path.parent), env["PATH"]])}

    def runs(self) -> list[FnRun]:
        """Every run so far, in the order they started."""
        out = []
        dirs = sorted(self.runs_dir.iterdir(), key=lambda d: int(d.name))
        for d in dirs:
            argv = (d / "args").read_bytes().decode().split("\0")[:-1]
            files = {
                arg: (d / f"file.{i}").read_bytes()
                for i, arg in enumerate(_file_args(argv))
                if (d / f"file.{i}").exists()
            }
            out.append(
                FnRun(
                    argv, Path((d / "cwd").read_text().rstrip("\n")), files,
                    (d / "stdin").read_bytes(), (d / "stdout").read_bytes(),
                    (d / "stderr").read_bytes(), int((d / "status").read_text()),
                    dict(line.split("=", 1) for line in (d / "env").read_text().splitlines()),
                )
            )  # fmt: skip
        return out

    def check(
        self,
        count: int,
        *,
        generated: bool | Callable[[FnRun], bool] = False,
        stable: bool = True,
    ) -> list[FnRun]:
        """The oracle (`check_fn_run`) on each run since the last check, of which there must
        be ``count``; they are returned, for the test's own assertions. ``generated`` may
        say it run by run."""
        runs = self.runs()
        new = runs[self.checked :]
        assert len(new) == count, f"the host ran apply-imagemaps {len(new)} times, not {count}"
        for fn in new:
            made = generated(fn) if callable(generated) else generated
            check_fn_run(fn, generated=made, stable=stable)
        self.checked = len(runs)
        return new
