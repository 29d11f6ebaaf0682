"""Running the tools: GNU time around every run, the tools alternated, every output checked.

Each output of apply-imagemaps is compared byte for byte with the one-process result
(APPLY_IMAGEMAPS_JOBS=1) of the same input, and every tool's output must rewrite exactly the
images the input was made with; a difference is a sanity failure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from generate import Input

from krm_fn import parallel

GNU_TIME = "/usr/bin/time"  # Debian package `time`
KUSTOMIZE_BUDGET_S = 15.0  # kustomize gets fewer runs when they would take longer than this
# apply-imagemaps shares a long stream out among processes (krm_fn/parallel.py); each input
# is also run with this environment, in one process: the reference output and a column.
ONE_PROCESS = {**os.environ, parallel.ENV: "1"}
# The floor of issue 14: merely iterating libyaml's events over the text, in Python.
LIBYAML_EVENTS = (
    "import sys, yaml\n"
    "text = sys.stdin.read()\n"
    "for _ in yaml.parse(text, Loader=yaml.CSafeLoader):\n"
    "    pass\n"
)

# The tools, in the order each round runs them: the one-process run comes first, as the
# reference for the byte-for-byte check.
ALONE, OURS, KUSTOMIZE, LIBYAML = "alone", "ours", "kustomize", "libyaml"
LABELS = {
    ALONE: "apply-imagemaps in one process",
    OURS: "apply-imagemaps",
    KUSTOMIZE: "kustomize",
    LIBYAML: "libyaml's events in Python",
}


class RunFailed(Exception):
    pass


@dataclass
class Series:
    """The runs of one tool on one input, and the number of images its output rewrote."""

    seconds: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    rewrites: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024


def run_once(
    cmd: list[str],
    stdin: Path | None,
    out: Path,
    series: Series,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run `cmd` once under GNU time; add its wall time and peak RSS (KiB) to `series`.

    The peak RSS comes from GNU time, which forks the tool from its own small process:
    `os.wait4` on a child spawned from this one would report this process's RSS whenever
    it is the larger (Linux keeps the pre-exec high-water mark across execve)."""
    err, rss = out.with_suffix(".stderr"), out.with_suffix(".rss")
    with (
        open(stdin or os.devnull, "rb") as fin,
        open(out, "wb") as fout,
        open(err, "wb") as ferr,
    ):
        start = time.perf_counter()
        code = subprocess.call(
            [GNU_TIME, "-f", "%M", "-o", str(rss), *cmd],
            stdin=fin,
            stdout=fout,
            stderr=ferr,
            env=env,
        )
        elapsed = time.perf_counter() - start
    if code != 0:
        tail = err.read_text(errors="replace")[-2000:]
        raise RunFailed(f"`{' '.join(cmd)}` exited {code}:\n{tail}")
    series.seconds.append(elapsed)
    series.rss_kib.append(int(rss.read_text().split()[-1]))


@dataclass(frozen=True)
class Tool:
    key: str
    cmd: list[str]
    stdin: Path | None
    runs: int
    env: Mapping[str, str] | None = None


@dataclass
class Result:
    item: Input
    series: dict[str, Series] = field(default_factory=lambda: {key: Series() for key in LABELS})
    kustomize_note: str = ""
    failure: str = ""
    problems: list[str] = field(default_factory=list)
    compared: int = 0  # outputs of ours compared byte for byte with the first one-process one
    differing: int = 0  # of those, the ones that differed

    @property
    def ours(self) -> Series:
        return self.series[OURS]

    @property
    def alone(self) -> Series:
        return self.series[ALONE]

    @property
    def kustomize(self) -> Series:
        return self.series[KUSTOMIZE]

    @property
    def libyaml(self) -> Series:
        return self.series[LIBYAML]

    @property
    def ratio(self) -> float | None:
        """Ours / kustomize, of the medians."""
        if not self.ours.seconds or not self.kustomize.seconds:
            return None
        return self.ours.median / self.kustomize.median


def difference(reference: bytes, data: bytes) -> str:
    """'' when `data` is `reference`, else where it first differs."""
    if data == reference:
        return ""
    at = next(
        (i for i, (a, b) in enumerate(zip(reference, data, strict=False)) if a != b),
        min(len(reference), len(data)),
    )
    line = reference.count(b"\n", 0, at) + 1
    return (
        f"differs from the one-process result at byte {at} (line {line}; "
        f"{len(data)} bytes, not {len(reference)})"
    )


class Bench:
    def __init__(self, ours: str, kubectl: str, python: str, tmp: Path) -> None:
        self.ours, self.kubectl, self.python, self.tmp = ours, kubectl, python, tmp

    def tools(self, item: Input, runs: int, kustomize_runs: int, floor: bool) -> list[Tool]:
        # A ResourceList carries its ImageMap as the functionConfig, as kpt passes it.
        ours = [self.ours]
        if item.resource_list is None:
            ours += ["--imagemaps", str(item.directory / "imagemaps.yaml")]
        # Every input's kustomization names its stream by a relative path; the corpus stream
        # lies outside the directory, so lift kustomize's load restriction for all of them.
        kustomize = [self.kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone"]
        return [
            Tool(ALONE, ours, item.ours_stdin, runs, ONE_PROCESS),
            Tool(OURS, ours, item.ours_stdin, runs),
            Tool(KUSTOMIZE, [*kustomize, str(item.directory)], None, kustomize_runs),
            Tool(LIBYAML, [self.python, "-c", LIBYAML_EVENTS], item.stream, runs if floor else 0),
        ]

    def warm_up(self, item: Input) -> None:
        """One untimed run of each tool, so that none pays for a cold cache."""
        for tool in self.tools(item, 1, int(item.kustomize), floor=True):
            if tool.runs:
                run_once(tool.cmd, tool.stdin, self.tmp / f"warm-{tool.key}.yaml", Series())

    def measure(self, item: Input, runs: int, kustomize_runs: int, floor: bool) -> Result:
        """Each tool `runs` times (kustomize `kustomize_runs`, fewer if over its budget),
        the tools alternated so that a slow moment of the machine hits all of them."""
        tools = self.tools(item, runs, kustomize_runs, floor)
        wanted = {tool.key: tool.runs for tool in tools}
        result = Result(item)
        reference: bytes | None = None
        try:
            while any(len(result.series[k].seconds) < n for k, n in wanted.items()):
                for tool in tools:
                    series = result.series[tool.key]
                    if len(series.seconds) >= wanted[tool.key]:
                        continue
                    out = self.tmp / f"{tool.key}.yaml"
                    run_once(tool.cmd, tool.stdin, out, series, tool.env)
                    if tool.key == KUSTOMIZE and len(series.seconds) == 1:
                        fit = int(KUSTOMIZE_BUDGET_S // series.seconds[0])
                        wanted[KUSTOMIZE] = max(1, min(wanted[KUSTOMIZE], fit))
                    if tool.key in (ALONE, OURS):
                        data = out.read_bytes()
                        if reference is None:  # the first one-process output
                            reference = data
                        else:
                            result.compared += 1
                            if found := difference(reference, data):
                                result.differing += 1
                                run = f"{LABELS[tool.key]}, run {len(series.seconds)}"
                                result.problems.append(f"{run}: output {found}")
                    if tool.key != LIBYAML and series.rewrites is None:
                        krm = tool.key != KUSTOMIZE and item.resource_list is not None
                        series.rewrites = count(out, item, krm)
        except RunFailed as exc:
            result.failure = str(exc)
        check(result)
        return result


def count(path: Path, item: Input, krm: bool) -> int:
    """How often the injected reference occurs in an output; in a ResourceList (`krm`), only
    in its items (its results name the reference too)."""
    data = path.read_bytes()
    if krm:
        items = yaml.load(data, Loader=yaml.CSafeLoader)["items"]
        return json.dumps(items).count(item.new_ref)
    return data.count(item.new_ref.encode())


def check(result: Result) -> None:
    """Sanity: every tool rewrote exactly the images the input was made with."""
    expected = result.item.expected_rewrites
    for key, series in result.series.items():
        if series.rewrites is not None and series.rewrites != expected:
            rewrote = f"{LABELS[key]} rewrote {series.rewrites} images"
            result.problems.append(f"{rewrote}, not {expected}")
