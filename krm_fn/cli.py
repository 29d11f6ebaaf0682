"""The command line: `apply-imagemaps [--imagemaps FILE]... [--strict] [CONFIG_FILE]`.

Only this module touches stdin, stdout, stderr, files named on the command line and the
exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from krm_fn.process import ConfigFile, run

__all__ = ["main", "main_entry"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apply-imagemaps",
        description=(
            "Rewrite container images in Kubernetes manifests from Tilt ImageMaps. Reads a KRM "
            "ResourceList or a YAML stream on stdin and writes it back on stdout."
        ),
    )
    parser.add_argument(
        "--imagemaps",
        action="append",
        default=[],
        metavar="FILE",
        help="YAML file with ImageMaps (any accepted config shape); repeatable",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="unused ImageMaps and images that do not parse are errors, not warnings",
    )
    parser.add_argument(
        "config",
        nargs="?",
        metavar="CONFIG_FILE",
        help="the same as --imagemaps CONFIG_FILE (kustomize exec plugin protocol)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run once; returns the exit status (0 ok, 1 error results, 2 usage)."""
    args = _parser().parse_args(argv)
    stderr = stderr or sys.stderr
    paths = [*args.imagemaps, *([args.config] if args.config else [])]
    files = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                files.append(ConfigFile(path, f.read()))
        except OSError as err:
            print(f"[error] cannot read ImageMaps file {path}: {err.strerror}", file=stderr)
            return 1
    output = run((stdin or sys.stdin.buffer).read(), files, strict=args.strict, read=_read)
    if not output.krm:
        for result in output.results:
            print(result, file=stderr)
    elif output.exit_code:
        errors = sum(1 for r in output.results if r.severity == "error")
        print(f"apply-imagemaps: {errors} error(s); see the ResourceList's results", file=stderr)
    (stdout or sys.stdout.buffer).write(output.stdout)
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
