"""Shared test helpers: run the program in-process, as the console script would."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from krm_fn.cli import main

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    exit_code: int


def run_fn(stdin: str | bytes, *args: str) -> Run:
    """`apply-imagemaps ARGS < stdin`, in-process."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.StringIO()
    code = main(list(args), stdin=io.BytesIO(data), stdout=out, stderr=err)
    return Run(out.getvalue().decode(), err.getvalue(), code)


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
def maps_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write ImageMap YAML to a file and return its path."""

    def write(text: str) -> str:
        path = tmp_path / f"maps-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(text)
        return str(path)

    return write
