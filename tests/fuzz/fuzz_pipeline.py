"""Coverage-guided fuzzing (atheris) of the reader and the whole pipeline: `make fuzz`.

Not part of CI. Seeds are the golden inputs and examples, read in place. Each input is run
in both modes (as a stream, and wrapped in a ResourceList) against a set of ImageMaps that
exercises every kind of edit. A finding is any exception, or a broken invariant:
- a stream-mode error writes nothing to stdout; KRM mode always writes the ResourceList back;
- a successful output passes the oracle (tests/oracle.py): the input with exactly the
  reported changes applied is the output, and running the program on it changes nothing.
What a run finds becomes a test case (tests/test_hostile.py).

Usage: python tests/fuzz/fuzz_pipeline.py [libFuzzer flags, e.g. -max_total_time=600] [CORPUS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    from krm_fn.pipeline import run
    from tests.fuzz.maps import MAPS
    from tests.oracle import assert_exact, assert_stable


def check(data: bytes) -> None:
    first = run(data, MAPS)
    if first.exit_code:
        assert first.krm or first.stdout == b"", "half a stream on error"
    assert_exact(data, first.stdout, first.results)
    if first.exit_code:
        return
    again = run(first.stdout, MAPS)
    if again.krm != first.krm:
        # A stream whose only other document is a ResourceList becomes one once its ImageMap
        # documents are removed: the input decides the mode (README, "Usage").
        return
    assert again.exit_code == 0, [str(r) for r in again.results]
    assert_stable(first.stdout, again)


def one_input(data: bytes) -> None:
    check(data)
    indented = b"".join(b"  " + line for line in data.splitlines(keepends=True))
    check(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + indented[2:])


def seeds(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [*ROOT.glob("tests/testdata/*/*/input.yaml"), *ROOT.glob("examples/**/*.yaml")]
    for index, path in enumerate(sorted(paths)):
        (directory / f"seed-{index}.yaml").write_bytes(path.read_bytes())


if __name__ == "__main__":
    corpus = ROOT / ".cache" / "fuzz-corpus"
    seeds(corpus)
    atheris.Setup([*sys.argv, str(corpus)], one_input)
    atheris.Fuzz()
