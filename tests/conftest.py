"""Shared test helpers: run the program in-process, as the console script would."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from krm_fn import cli, pipeline
from krm_fn.cli import main
from krm_fn.pipeline import Output
from tests.oracle import assert_exact, assert_stable

MapsFile = Callable[[str], str]  # the maps_file fixture: ImageMap YAML in, its file's path out

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_file(*parts: str) -> Path:
    """A file of ../shared/corpus, read in place: a clone elsewhere has none, and the test
    is skipped with the reason; under CI=true a missing corpus fails it."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        message = f"the corpus is missing: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    exit_code: int


def run_fn(
    stdin: str | bytes,
    *args: str,
    generated: bool = False,
    stable: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Run:
    """`apply-imagemaps ARGS < stdin`, in-process, its output checked by the oracle
    (tests/oracle.py) and, when it succeeds and `stable`, run again to check that nothing
    changes. `generated`: the output may end with a generator's new objects."""
    first, output = run_cli(stdin, *args, environ=environ)
    if output is not None:
        assert_exact(stdin, output.stdout, output.results, generated=generated)
        if stable and first.exit_code == 0:
            again = run_cli(first.stdout, *args, environ=environ)[1]
            assert again is not None
            assert_stable(output.stdout, again)
    return first


def run_cli(
    stdin: str | bytes, *args: str, environ: Mapping[str, str] | None = None
) -> tuple[Run, Output | None]:
    """The CLI's exit status and streams, and the run's Output (None when it never ran);
    unchecked: for tests of the program itself rather than of its output. `environ`: the
    environment the program reads (none by default)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.StringIO()
    outputs: list[Output] = []

    def recorded(*a: object, **k: object) -> Output:
        outputs.append(pipeline.run(*a, **k))  # type: ignore[arg-type]
        return outputs[-1]

    with mock.patch.object(cli, "run", recorded):
        code = main(list(args), stdin=io.BytesIO(data), stdout=out, stderr=err, environ=environ)
    return Run(out.getvalue().decode(), err.getvalue(), code), outputs[0] if outputs else None


def imagemap(name: str, selector: str, image: str, **spec: object) -> str:
    """One ImageMap document as YAML text (spec extras given as YAML-able values)."""
    import json

    extra = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in spec.items())
    return (
        "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\n"
        f"metadata:\n  name: {name}\nspec:\n  selector: {selector}\n{extra}"
        f"status:\n  image: {image}\n  imageFromCluster: {image}\n"
    )


@pytest.fixture
def maps_file(tmp_path: Path) -> MapsFile:
    """Write ImageMap YAML to a file and return its path."""

    def write(text: str) -> str:
        path = tmp_path / f"maps-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(text)
        return str(path)

    return write
