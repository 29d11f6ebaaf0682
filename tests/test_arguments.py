"""The command line's grammar (krm_fn.arguments): what it may say and what it said."""

from __future__ import annotations

import pytest

from krm_fn.arguments import HELP, USAGE, Arguments, UsageError, parse_args


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
        (["--version"], Arguments([], strict=False, help=False, version=True)),
        (["--helm-plugin"], Arguments([], strict=False, help=False, helm_plugin=True)),
        (["--version", "-h"], Arguments([], strict=False, help=False, version=True)),
        (["--helm-plugin", "--version"], Arguments([], False, False, helm_plugin=True)),
        (["--", "--version"], Arguments(["--version"], strict=False, help=False)),
    ],
)
def test_command_line(argv: list[str], expected: Arguments) -> None:
    assert parse_args(argv) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--imag", "a.yaml"], "unrecognized arguments: --imag"),
        (["--vers"], "unrecognized arguments: --vers"),
        (["a.yaml", "b.yaml", "c.yaml"], "unrecognized arguments: b.yaml c.yaml"),
        (["--imagemaps"], "argument --imagemaps: expected one argument"),
        (["--imagemaps", "--strict"], "argument --imagemaps: expected one argument"),
        (["--imagemaps", "--version"], "argument --imagemaps: expected one argument"),
    ],
)
def test_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_args(argv)
    assert str(error.value) == message


def test_help_names_every_option_and_setting() -> None:
    assert HELP.startswith(USAGE)
    for option in ("CONFIG_FILE", "-h, --help", "--version", "--helm-plugin", "--imagemaps FILE"):
        assert f"\n  {option} " in HELP
    for setting in ("APPLY_IMAGEMAPS_MAX_INPUT", "APPLY_IMAGEMAPS_JOBS", "APPLY_IMAGEMAPS_LOG"):
        assert f"\n  {setting} " in HELP
    assert all(len(line) <= 90 for line in HELP.splitlines())
