"""The command line: `apply-imagemaps [--imagemaps FILE]... [--strict] [CONFIG_FILE]`.

Only this module touches stdin, stdout, stderr, files named on the command line and the
exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import BinaryIO, NamedTuple, TextIO

from krm_fn.process import ConfigFile, run

__all__ = ["main", "main_entry", "parse_args"]


USAGE = "usage: apply-imagemaps [-h] [--imagemaps FILE] [--strict] [CONFIG_FILE]\n"
HELP = (
    USAGE
    + """
Rewrite container images in Kubernetes manifests from Tilt ImageMaps. Reads a KRM
ResourceList or a YAML stream on stdin and writes it back on stdout.

positional arguments:
  CONFIG_FILE       the same as --imagemaps CONFIG_FILE (kustomize exec plugin protocol)

options:
  -h, --help        show this help message and exit
  --imagemaps FILE  YAML file with ImageMaps (any accepted config shape); repeatable
  --strict          unused ImageMaps and images that do not parse are errors, not warnings
"""
)


class UsageError(ValueError):
    """A command line that does not fit USAGE."""


class Arguments(NamedTuple):
    paths: list[str]  # config files, in order: every --imagemaps, then CONFIG_FILE
    strict: bool
    help: bool


def parse_args(argv: Sequence[str]) -> Arguments:
    """The command line, parsed by hand: argparse's import and set-up would be a tenth of
    a small run's time. `--imagemaps=FILE` and `--` work as in argparse; abbreviated
    options do not."""
    imagemaps: list[str] = []
    positional: list[str] = []
    strict = False
    args = iter(argv)
    for arg in args:
        if arg == "--":
            positional.extend(args)
        elif arg in ("-h", "--help"):
            return Arguments([], strict=False, help=True)
        elif arg == "--strict":
            strict = True
        elif arg == "--imagemaps":
            value = next(args, None)
            if value is None or (value.startswith("-") and value != "-"):
                raise UsageError("argument --imagemaps: expected one argument")
            imagemaps.append(value)
        elif arg.startswith("--imagemaps="):
            imagemaps.append(arg.removeprefix("--imagemaps="))
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unrecognized arguments: {arg}")
        else:
            positional.append(arg)
    if len(positional) > 1:
        raise UsageError(f"unrecognized arguments: {' '.join(positional[1:])}")
    return Arguments([*imagemaps, *positional], strict, help=False)


def main(
    argv: Sequence[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run once; returns the exit status (0 ok, 1 error results, 2 usage)."""
    stderr = stderr or sys.stderr
    stdout = stdout or sys.stdout.buffer
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        stderr.write(f"{USAGE}apply-imagemaps: error: {err}\n")
        return 2
    if args.help:
        stdout.write(HELP.encode())
        return 0
    files = []
    for path in args.paths:
        try:
            with open(path, "rb") as f:
                files.append(ConfigFile(path, f.read()))
        except OSError as err:
            print(f"[error] cannot read ImageMaps file {path}: {err.strerror}", file=stderr)
            return 1
    output = run((stdin or sys.stdin.buffer).read(), files, strict=args.strict, read=_read)
    if not output.krm:  # one write: thousands of info lines are common on a large render
        stderr.write("".join(f"{result}\n" for result in output.results))
    elif output.exit_code:
        errors = sum(1 for r in output.results if r.severity == "error")
        print(f"apply-imagemaps: {errors} error(s); see the ResourceList's results", file=stderr)
    stdout.write(output.stdout)
    return output.exit_code


def _read(path: str) -> bytes:
    """A file a config names (generator `manifests`), relative to the working directory."""
    with open(path, "rb") as f:
        return f.read()


def main_entry() -> None:
    """Console script entry point."""
    try:
        code = main()
    except BrokenPipeError:
        code = 1
    raise SystemExit(code)
