"""Golden cases, kpt style: tests/testdata/<area>/<case>/.

Each case has `input.yaml` (stdin), optional ImageMap files, and `.expected/`:
`config.yaml` (`args`, `exitCode`, `notIdempotent`), `output.yaml` (stdout, byte for
byte) and `stderr.txt`. Every passing case runs again on its own output, which must not
change (in KRM mode the second run rewrites nothing, so it reports no edits).
`UPDATE_GOLDEN=1 pytest tests/test_golden.py` rewrites the expected files that differ
and fails that run.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli, run_fn

TESTDATA = Path(__file__).parent / "testdata"
CASES = sorted(p.parent for p in TESTDATA.glob("*/*/input.yaml"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@dataclass(frozen=True)
class CaseSpec:
    args: list[str] = field(default_factory=list)
    exit_code: int = 0
    not_idempotent: bool = False

    @classmethod
    def load(cls, path: Path) -> CaseSpec:
        data = yaml.safe_load(path.read_text()) if path.exists() else {}
        return cls(data.get("args", []), data.get("exitCode", 0), data.get("notIdempotent", False))


def _check(path: Path, actual: str, changed: list[str]) -> None:
    if path.exists() and path.read_bytes().decode() == actual:
        return
    if UPDATE:
        path.write_bytes(actual.encode())
        changed.append(str(path))
        return
    expected = path.read_bytes().decode() if path.exists() else "<missing>"
    assert actual == expected, f"{path} differs (UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    spec = CaseSpec.load(case / ".expected" / "config.yaml")
    first = run_fn((case / "input.yaml").read_bytes(), *spec.args)
    changed: list[str] = []
    _check(case / ".expected" / "output.yaml", first.stdout, changed)
    _check(case / ".expected" / "stderr.txt", first.stderr, changed)
    assert not changed, f"rewrote {changed}"
    assert first.exit_code == spec.exit_code, first.stderr
    if spec.exit_code == 0 and not spec.not_idempotent:
        second = run_fn(first.stdout, *spec.args)
        assert second.exit_code == 0, second.stderr
        if first.stdout.lstrip().startswith(("apiVersion: config", '{"apiVersion": "config')):
            assert not _edits(second.stdout), "not idempotent: the second run rewrote fields"
        else:
            assert second.stdout == first.stdout, "not idempotent"
        assert run_fn(second.stdout, *spec.args).stdout == second.stdout, "not idempotent"


def _edits(resource_list: str) -> list[object]:
    """The results of a ResourceList that report a rewritten field."""
    results = yaml.safe_load(resource_list).get("results") or []
    return [r for r in results if "proposedValue" in r.get("field", {})]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_run_leaves_no_cyclic_garbage(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script turns the cyclic collector off for the whole run (a start-up
    setting of `cli.main_entry`), so a reference cycle made while processing would never be
    freed. Every golden case must leave nothing for the collector to find."""
    monkeypatch.chdir(case)
    spec = CaseSpec.load(case / ".expected" / "config.yaml")
    data = (case / "input.yaml").read_bytes()
    run_cli(data, *spec.args)  # first imports (jsonschema's classes) make cycles once
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run = run_cli(data, *spec.args)[0]  # the program alone, without the oracle
        gc.collect()
        garbage = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert run.exit_code == spec.exit_code, run.stderr
    assert garbage == []
