"""The entry point: real stdin, stdout and exit status; usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from krm_fn.cli import USAGE, Arguments, parse_args
from krm_fn.pipeline import ConfigFile
from tests.conftest import imagemap, run_fn
from tests.oracle import checked_run

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "basic"


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


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], Arguments([], strict=False, help=False)),
        (["--strict"], Arguments([], strict=True, help=False)),
        (["c.yaml"], Arguments(["c.yaml"], strict=False, help=False)),
        (
            ["c.yaml", "--imagemaps", "a.yaml", "--imagemaps=b.yaml", "--strict"],
            Arguments(["a.yaml", "b.yaml", "c.yaml"], strict=True, help=False),
        ),
        (["--", "--strict"], Arguments(["--strict"], strict=False, help=False)),
        (["--imagemaps", "-"], Arguments(["-"], strict=False, help=False)),
        (["--strict", "-h", "--bogus"], Arguments([], strict=False, help=True)),
    ],
)
def test_command_line(argv: list[str], expected: Arguments) -> None:
    assert parse_args(argv) == expected


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


def test_empty_input_gives_empty_output() -> None:
    assert run_fn("") == run_fn("")
    assert run_fn("").stdout == ""
