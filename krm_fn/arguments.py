"""The command line's grammar: what it may say (`USAGE`, `HELP`) and what it said
(`Arguments`, from `parse_args`).
"""

from __future__ import annotations

from collections.abc import Sequence

from krm_fn.echo import LOG_ENV
from krm_fn.inputs import MAX_INPUT_ENV
from krm_fn.parallel import ENV as JOBS_ENV
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["HELP", "USAGE", "Arguments", "UsageError", "parse_args"]

USAGE = (
    "usage: apply-imagemaps [-h] [--version] [--helm-plugin] [--imagemaps FILE] [--strict]\n"
    "                       [--tilt] [CONFIG_FILE]\n"
)
HELP = (
    USAGE
    + f"""
Rewrite container images in Kubernetes manifests from Tilt ImageMaps. Reads a KRM
ResourceList or a YAML stream on stdin and writes it back on stdout.

positional arguments:
  CONFIG_FILE       the same as --imagemaps CONFIG_FILE (kustomize exec plugin protocol)

options:
  -h, --help        show this help message and exit
  --version         print the version and exit
  --helm-plugin     print the directory of the Helm 4 plugin installed with this package
                    (helm plugin install "$(apply-imagemaps --helm-plugin)") and exit
  --imagemaps FILE  YAML file with ImageMaps (any accepted config shape); repeatable
  --strict          unused ImageMaps and images that do not parse are errors, not warnings
  --tilt            the ImageMaps Tilt hands a deploy command (TILT_IMAGE_MAP_i and
                    TILT_IMAGE_i), in full through `tilt get` when Tilt answers

environment:
  {MAX_INPUT_ENV}  the most bytes read from stdin or from any one file
                             (default 256M; K, M and G are powers of 1024)
  {JOBS_ENV}       processes a long stream is shared out among (1: no others)
  {LOG_ENV}        a file a failed run's error lines are appended to
"""
)


class UsageError(ValueError):
    """A command line that does not fit USAGE."""


class Arguments(Record):
    __slots__ = ("paths", "strict", "help", "version", "helm_plugin", "tilt")

    def __init__(
        self,
        paths: list[str],  # config files, in order: every --imagemaps, then CONFIG_FILE
        strict: bool,
        help: bool,
        version: bool = False,
        helm_plugin: bool = False,
        tilt: bool = False,  # --tilt: krm_fn.tilt
    ) -> None:
        self.paths: Final = paths
        self.strict: Final = strict
        self.help: Final = help
        self.version: Final = version
        self.helm_plugin: Final = helm_plugin
        self.tilt: Final = tilt


_ACTIONS = {
    "-h": Arguments([], strict=False, help=True),
    "--help": Arguments([], strict=False, help=True),
    "--version": Arguments([], strict=False, help=False, version=True),
    "--helm-plugin": Arguments([], strict=False, help=False, helm_plugin=True),
}


def parse_args(argv: Sequence[str]) -> Arguments:
    """The command line, parsed by hand: argparse's import and set-up would be a tenth of
    a small run's time. `--imagemaps=FILE` and `--` work as in argparse; abbreviated
    options do not. The first of `-h`, `--version`, `--helm-plugin` is all that counts."""
    imagemaps: list[str] = []
    positional: list[str] = []
    strict = tilt = False
    args = iter(argv)
    for arg in args:
        if arg == "--":
            positional.extend(args)
        elif arg in _ACTIONS:
            return _ACTIONS[arg]
        elif arg == "--strict":
            strict = True
        elif arg == "--tilt":
            tilt = True
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
    return Arguments([*imagemaps, *positional], strict, help=False, tilt=tilt)
