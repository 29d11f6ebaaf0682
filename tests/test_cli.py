"""The entry point (krm_fn.cli): real stdin, stdout and exit status; usage errors; the
version and the Helm plugin's place; what a failed run reports on stderr, in the log file
(APPLY_IMAGEMAPS_LOG) and, under Helm 4, on the terminal."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import pytest

from krm_fn import cli
from krm_fn.arguments import USAGE
from krm_fn.pipeline import ConfigFile
from krm_fn.sink import Sink
from tests.conftest import imagemap, run_cli, run_fn
from tests.hosts.hostlib import INVALID_MAPS, find_tool
from tests.oracle import checked_run
from tests.terminal import Terminal

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "basic"
# What a run with INVALID_MAPS says on stderr, and so in every copy.
INVALID = [
    f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selecter (in {INVALID_MAPS}): unknown "
    'field "selecter"; did you mean "selector"?',
    f"[error] tilt.dev/v1alpha1/ImageMap/frontend spec.selector (in {INVALID_MAPS}): required "
    "field is missing",
]


def test_python_dash_m_runs_the_example() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "krm_fn", "--imagemaps", str(EXAMPLE / "imagemaps.yaml")],
        input=(EXAMPLE / "resources.yaml").read_bytes(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"image: localhost:5000/example.com_shop_frontend:tilt-2540b7f6d0d5c5d2\n" in proc.stdout
    assert b"image: prom/statsd-exporter:v0.26.0   # not ours: left alone\n" in proc.stdout
    maps = ConfigFile("imagemaps.yaml", (EXAMPLE / "imagemaps.yaml").read_bytes())
    assert proc.stdout == checked_run((EXAMPLE / "resources.yaml").read_bytes(), [maps]).stdout


def _example_at_exit(
    printed: str, environ: Mapping[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[bytes], str]:
    """The bundled example run by the console script's entry point in a fresh Python (with
    `environ`; by default this one's), and the line `print(printed)` wrote when that Python
    began to exit, after the run."""
    code = (
        "import atexit, gc, sys\n"
        f"atexit.register(lambda: print({printed}, file=sys.stderr))\n"
        "sys.argv[1:] = ['--imagemaps', sys.argv[1]]\n"
        "from krm_fn.cli import main_entry\n"
        "main_entry()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE / "imagemaps.yaml")],
        input=(EXAMPLE / "resources.yaml").read_bytes(),
        capture_output=True,
        check=False,
        env=environ,
    )
    return proc, proc.stderr.decode().splitlines()[-1]


def test_the_console_script_ends_with_the_collector_off_and_everything_frozen() -> None:
    """What a finished run leaves is frozen for Python's shutdown collection (README, Speed
    and memory); the output is the same."""
    proc, printed = _example_at_exit("gc.isenabled(), gc.get_freeze_count() > 1000")
    assert (proc.returncode, printed) == (0, "False True")
    maps = ConfigFile("imagemaps.yaml", (EXAMPLE / "imagemaps.yaml").read_bytes())
    assert proc.stdout == checked_run((EXAMPLE / "resources.yaml").read_bytes(), [maps]).stdout


def test_a_run_imports_none_of_the_modules_start_up_leaves_out() -> None:
    """typing (annotations are read by mypy alone: `TYPE_CHECKING = False`), dataclasses,
    argparse and jsonschema cost start-up and a run needs none of them (README, Speed and
    memory)."""
    # Not under coverage.py, which a test run starts in every Python (its .pth file) and
    # which imports typing and dataclasses itself.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    proc, printed = _example_at_exit("*sorted(sys.modules)", environ)
    imported = set(printed.split())
    assert proc.returncode == 0
    assert {"krm_fn.pipeline", "yaml"} <= imported
    assert imported & {"typing", "dataclasses", "argparse", "jsonschema"} == set()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--imag", "a.yaml"], "unrecognized arguments: --imag"),
        (["a.yaml", "b.yaml", "c.yaml"], "unrecognized arguments: b.yaml c.yaml"),
        (["--imagemaps"], "argument --imagemaps: expected one argument"),
        (["--imagemaps", "--strict"], "argument --imagemaps: expected one argument"),
    ],
)
def test_usage_error_exits_2(argv: list[str], message: str) -> None:
    out = run_fn("a: 1\n", *argv)
    assert (out.exit_code, out.stdout) == (2, "")
    assert out.stderr == f"{USAGE}apply-imagemaps: error: {message}\n"


def test_help_goes_to_stdout_and_names_every_option() -> None:
    out = run_fn("a: 1\n", "--help")
    assert (out.exit_code, out.stderr) == (0, "")
    assert out.stdout.startswith(USAGE)
    for option in ("CONFIG_FILE", "-h, --help", "--imagemaps FILE", "--strict"):
        assert option in out.stdout


def test_unreadable_imagemaps_file(tmp_path: Path) -> None:
    out = run_fn("a: 1\n", "--imagemaps", str(tmp_path / "missing.yaml"))
    assert (out.exit_code, out.stdout) == (1, "")
    missing = tmp_path / "missing.yaml"
    expected = f"[error] cannot read ImageMaps file {missing}: No such file or directory\n"
    assert out.stderr == expected


def test_stream_error_writes_nothing(tmp_path: Path) -> None:
    maps = tmp_path / "m.yaml"
    maps.write_text(imagemap("app", "app", "app:tilt-1", overrideCommand={"command": ["x"]}))
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n"
        "  - {name: v, image: {reference: app}}\n  containers: [{name: c, image: busybox}]\n"
    )
    out = run_fn(text, "--imagemaps", str(maps))
    assert (out.exit_code, out.stdout) == (1, "")


class _Writes(io.BytesIO):
    """stdout without a file descriptor, recording each write's size."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data: object) -> int:
        assert isinstance(data, bytes)
        self.sizes.append(len(data))
        return super().write(data)


def test_stdout_is_written_from_its_pieces_in_blocks() -> None:
    """A long stream's documents are written a block at a time, never joined whole."""
    pieces = [f"---\nkind: A{i}\ndata: {{k: {'é' * 1000}}}\n" for i in range(3000)]
    out = _Writes()
    cli._write_texts(Sink("stdout", out), pieces)
    assert out.getvalue() == "".join(pieces).encode()
    assert len(out.sizes) == 6  # 6 MB
    assert all(cli._BLOCK <= size < cli._BLOCK + 2100 for size in out.sizes[:-1])


def test_stdout_stays_empty_when_a_piece_cannot_be_encoded() -> None:
    out = _Writes()
    with pytest.raises(UnicodeEncodeError):
        cli._write_texts(Sink("stdout", out), ["a: 1\n" * 300_000, "b: \ud800\n"])
    assert out.sizes == []


def test_empty_input_gives_empty_output() -> None:
    assert run_fn("") == run_fn("")
    assert run_fn("").stdout == ""


def test_version_is_the_installed_distributions() -> None:
    run = run_cli("", "--version")[0]
    assert run == type(run)(f"apply-imagemaps {metadata.version('apply-imagemaps')}\n", "", 0)


def test_helm_plugin_is_the_packages_own_directory() -> None:
    run = run_cli("", "--helm-plugin")[0]
    assert (run.exit_code, run.stderr) == (0, "")
    path = Path(run.stdout.removesuffix("\n"))
    assert path.is_absolute() and run.stdout.endswith("\n") and "\n" not in str(path)
    assert path.parts[-2:] == ("krm_fn", "helm-plugin")
    assert path.parent == Path(cli.__file__).resolve().parent


def test_settings_come_from_the_environment_given() -> None:
    """`main` reads no environment of its own: the console script passes os.environ."""
    err = io.StringIO()
    code = cli.main(
        [], io.BytesIO(b"a: 1\n"), io.BytesIO(), err, {"APPLY_IMAGEMAPS_MAX_INPUT": "2"}
    )
    assert code == 1
    assert err.getvalue().startswith("[error] cannot read stdin: larger than the input limit")


RESOURCE_LIST = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: app}]}}
functionConfig:
  apiVersion: tilt.dev/v1alpha1
  kind: ImageMap
  metadata: {name: frontend}
  spec: {selecter: example.com/shop/frontend}
  status: {image: localhost:5000/frontend:tilt-1}
"""


def test_krm_mode_errors_are_on_stderr_too() -> None:
    """kustomize shows a KRM function's stderr, never the ResourceList's results: the error
    results are there in stream mode's form, then how many there were."""
    out = run_fn(RESOURCE_LIST)
    assert out.exit_code == 1 and "kind: ResourceList" in out.stdout
    assert out.stderr.splitlines() == [
        line.replace(f" (in {INVALID_MAPS})", "") for line in INVALID
    ] + ["apply-imagemaps: 2 error(s); see the ResourceList's results"]
    warned = run_fn(RESOURCE_LIST.replace("selecter: example.com/shop/frontend", "selector: x"))
    assert (warned.exit_code, warned.stderr) == (0, "")  # warnings stay in the results


# --- the console script's copies of a failure ---------------------------------------------


def _console(
    *args: str | Path,
    env: dict[str, str] | None = None,
    terminal: Terminal | None = None,
    stdin: Path = EXAMPLE / "resources.yaml",
) -> tuple[int, str]:
    """The console script's exit status and stderr (in `terminal`, when given)."""
    tool = find_tool("apply-imagemaps")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("APPLY_", "HELM_"))}
    popen = {
        "stdin": stdin.open("rb"),
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.PIPE,
        "env": {**environ, **(env or {})},
    }
    with popen["stdin"]:  # type: ignore[attr-defined]
        if terminal is None:
            proc = subprocess.Popen([tool, *args], **popen)  # type: ignore[call-overload]
        else:
            proc = terminal.spawn([tool, *args], **popen)
        _, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode()


def test_a_failed_run_is_appended_to_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "apply-imagemaps.log"
    log.parent.mkdir()
    env = {"APPLY_IMAGEMAPS_LOG": str(log)}
    assert _console("--imagemaps", INVALID_MAPS, env=env) == (1, "".join(f"{e}\n" for e in INVALID))
    assert _console("--imagemaps", EXAMPLE / "imagemaps.yaml", env=env)[0] == 0  # not logged
    assert _console("--bogus", env=env)[0] == 2
    first, *lines = log.read_text().splitlines()

    def heading(command: str, code: int) -> str:
        return (
            rf"--- \S+ {re.escape(command)} \(pid \d+, in {re.escape(os.getcwd())}\): exit {code}"
        )

    assert re.fullmatch(heading(f"apply-imagemaps --imagemaps {INVALID_MAPS}", 1), first)
    assert lines[:2] == INVALID
    assert re.fullmatch(heading("apply-imagemaps --bogus", 2), lines[2])
    assert lines[3:] == [
        *USAGE.splitlines(),
        "apply-imagemaps: error: unrecognized arguments: --bogus",
    ]


def test_under_helm_a_failed_run_reaches_the_terminal() -> None:
    """Helm 4 runs its plugins with HELM_PLUGIN_NAME set, and drops their stderr."""
    terminal = Terminal()
    helm = {"HELM_PLUGIN_NAME": "apply-imagemaps"}
    assert _console("--imagemaps", INVALID_MAPS, env=helm, terminal=terminal)[0] == 1
    assert _console("--imagemaps", EXAMPLE / "imagemaps.yaml", env=helm, terminal=terminal)[0] == 0
    assert _console("--imagemaps", INVALID_MAPS, terminal=terminal)[0] == 1  # not under Helm
    assert terminal.close() == "".join(f"{e}\n" for e in INVALID)


def test_a_signal_is_a_failure_reported_everywhere(tmp_path: Path) -> None:
    """SIGTERM while the run waits for its input: the line on stderr, the terminal, the log."""
    log = tmp_path / "apply-imagemaps.log"
    terminal = Terminal()
    read_end, write_end = os.pipe()  # an input that never ends
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPLY_", "HELM_"))} | {
        "APPLY_IMAGEMAPS_LOG": str(log),
        "HELM_PLUGIN_NAME": "apply-imagemaps",
    }
    proc = terminal.spawn(
        [find_tool("apply-imagemaps")], stdin=read_end, stderr=subprocess.PIPE, env=env
    )
    os.close(read_end)
    time.sleep(1)  # in its read of stdin by then
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    os.close(write_end)
    assert (proc.returncode, err) == (143, b"[error] terminated\n")
    assert terminal.close() == "[error] terminated\n"
    assert log.read_text().splitlines()[1:] == ["[error] terminated"]
