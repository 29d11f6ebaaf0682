"""Benchmark apply-imagemaps against `kubectl kustomize` on the inputs of bench/generate.py.

For each input the two tools run alternately, several times each; the table reports the
median wall time and the peak RSS of the tool (from GNU time), the ratio of the
medians (ours / kustomize) and the goal of issue 4. Missed goals are reported, not fatal;
the exit status is 1 only when a run fails or a sanity check does.

    python bench/run.py [--quick] [--sizes 20,1000,5000] [--runs N] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from generate import ROOT, SIZES, Input, parse_sizes, prepare

from krm_fn import parallel

GNU_TIME = "/usr/bin/time"  # Debian package `time`
KUSTOMIZE_BUDGET_S = 15.0
# apply-imagemaps shares a long stream out among processes (krm_fn/parallel.py); each input
# is also run with this environment, in one process, for the `1 process` column.
ONE_PROCESS = {
    **os.environ,
    "APPLY_IMAGEMAPS_JOBS": "1",
}  # kustomize gets fewer runs when they would take longer than this


@dataclass(frozen=True)
class Goal:
    text: str
    max_ratio: float | None = None
    max_seconds: float | None = None
    max_rss_mib: float | None = None


GOALS = {
    "deployments-20": Goal("ratio ≤ 1.0", max_ratio=1.0),
    "deployments-1000": Goal("ratio ≤ 0.15", max_ratio=0.15),
    "deployments-5000": Goal("≤ 1.5 s, ≤ 150 MiB", max_seconds=1.5, max_rss_mib=150),
    "kube-prometheus-stack": Goal("≤ 1.5 s", max_seconds=1.5),
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
    cmd: list[str], stdin: Path | None, out: Path, series: Series, env: dict[str, str] | None = None
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


@dataclass
class Result:
    item: Input
    ours: Series
    kustomize: Series
    alone: Series = field(default_factory=Series)  # ours in one process (ONE_PROCESS)
    kustomize_note: str = ""
    failure: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if not self.ours.seconds or not self.kustomize.seconds:
            return None
        return self.ours.median / self.kustomize.median


class Bench:
    def __init__(self, ours: str, kubectl: str, tmp: Path) -> None:
        self.ours, self.kubectl, self.tmp = ours, kubectl, tmp

    def commands(self, item: Input) -> tuple[list[str], list[str]]:
        # A ResourceList carries its ImageMap as the functionConfig, as kpt passes it.
        ours = [self.ours]
        if item.resource_list is None:
            ours += ["--imagemaps", str(item.directory / "imagemaps.yaml")]
        # Every input's kustomization names its stream by a relative path; the corpus stream
        # lies outside the directory, so lift kustomize's load restriction for all of them.
        kustomize = [self.kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone"]
        return ours, [*kustomize, str(item.directory)]

    def warm_up(self, item: Input) -> None:
        """One untimed run of each tool, so that neither pays for a cold cache."""
        ours, kustomize = self.commands(item)
        run_once(ours, item.ours_stdin, self.tmp / "warm-ours.yaml", Series())
        run_once(kustomize, None, self.tmp / "warm-kustomize.yaml", Series())

    def measure(self, item: Input, runs: int, kustomize_runs: int) -> Result:
        ours_cmd, kustomize_cmd = self.commands(item)
        result = Result(item, Series(), Series())
        ours_out, kustomize_out = self.tmp / "ours.yaml", self.tmp / "kustomize.yaml"
        krm = item.resource_list is not None
        try:
            while len(result.ours.seconds) < runs or len(result.kustomize.seconds) < kustomize_runs:
                if len(result.ours.seconds) < runs:
                    run_once(ours_cmd, item.ours_stdin, ours_out, result.ours)
                    if result.ours.rewrites is None:
                        result.ours.rewrites = count(ours_out, item, krm)
                    run_once(ours_cmd, item.ours_stdin, ours_out, result.alone, ONE_PROCESS)
                    if result.alone.rewrites is None:
                        result.alone.rewrites = count(ours_out, item, krm)
                if len(result.kustomize.seconds) < kustomize_runs:
                    run_once(kustomize_cmd, None, kustomize_out, result.kustomize)
                    if result.kustomize.rewrites is None:
                        result.kustomize.rewrites = count(kustomize_out, item, krm=False)
                        fit = int(KUSTOMIZE_BUDGET_S // result.kustomize.seconds[0])
                        kustomize_runs = max(1, min(kustomize_runs, fit))
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
    """Sanity: both tools rewrote exactly the images the input was made with."""
    expected = result.item.expected_rewrites
    for name, series in (
        ("apply-imagemaps", result.ours),
        ("apply-imagemaps in one process", result.alone),
        ("kustomize", result.kustomize),
    ):
        if series.rewrites is not None and series.rewrites != expected:
            result.problems.append(f"{name} rewrote {series.rewrites} images, not {expected}")


def verdict(result: Result) -> tuple[str, list[str]]:
    """The `met?` cell and the goals missed."""
    goal = GOALS.get(result.item.name)
    if result.failure or result.problems:
        return "failed" if result.failure else "no (sanity)", []
    if goal is None:
        return "—", []
    ratio, seconds, mib = result.ratio, result.ours.median, result.ours.peak_mib
    missed = []
    if goal.max_ratio is not None:
        if ratio is None:
            return "n/a (no kustomize run)", []
        if ratio > goal.max_ratio:
            missed.append(f"ratio {ratio:.2f} > {goal.max_ratio}")
    if goal.max_seconds is not None and seconds > goal.max_seconds:
        missed.append(f"{seconds:.2f} s > {goal.max_seconds} s")
    if goal.max_rss_mib is not None and mib > goal.max_rss_mib:
        missed.append(f"{mib:.0f} MiB > {goal.max_rss_mib} MiB")
    return ("no" if missed else "yes"), missed


def seconds_cell(series: Series) -> str:
    return f"{series.median:.3f}" if series.seconds else "—"


def mib_cell(series: Series) -> str:
    return f"{series.peak_mib:.0f}" if series.rss_kib else "—"


def table(results: list[Result]) -> tuple[list[str], list[str]]:
    """The markdown table and the list of missed goals."""
    lines = [
        "| input | size | runs (ours/kustomize) | apply-imagemaps median s | peak RSS MiB "
        "| 1 process s | kustomize median s | peak RSS MiB | ratio | goal | met? |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    all_missed = []
    for result in results:
        item = result.item
        size = f"{item.ours_stdin.stat().st_size / 1e6:.3g} MB, {item.docs} docs"
        runs = f"{len(result.ours.seconds)}/{len(result.kustomize.seconds)}"
        if result.kustomize_note:
            runs += f" ({result.kustomize_note})"
        ratio = "—" if result.ratio is None else f"{result.ratio:.2g}"
        goal = GOALS.get(item.name)
        met, missed = verdict(result)
        all_missed += [f"{item.name}: {text}" for text in missed]
        lines.append(
            f"| {item.name} | {size} | {runs} | {seconds_cell(result.ours)} "
            f"| {mib_cell(result.ours)} | {seconds_cell(result.alone)} "
            f"| {seconds_cell(result.kustomize)} "
            f"| {mib_cell(result.kustomize)} | {ratio} | {goal.text if goal else 'reported'} "
            f"| {met} |"
        )
    return lines, all_missed


def notes(results: list[Result]) -> list[str]:
    lines = []
    for result in results:
        item, ours = result.item, result.ours
        if result.failure:
            lines.append(f"- {item.name}: FAILED: {result.failure.strip()}")
            continue
        kustomize = result.kustomize.rewrites
        note = f"- {item.name}: {item.description}; images rewritten: {ours.rewrites}"
        note += f" (kustomize {kustomize if kustomize is not None else '—'}"
        note += f", expected {item.expected_rewrites})"
        if ours.seconds:
            note += f"; {item.ours_stdin.stat().st_size / 1e6 / ours.median:.1f} MB/s"
        lines.append(note + "".join(f"; SANITY: {problem}" for problem in result.problems))
    # Growth is judged in one process: how a stream is shared out depends on its size.
    by_name = {r.item.name: r.alone for r in results if r.alone.seconds}
    small, mid, big = (by_name.get(f"deployments-{n}") for n in (20, 1000, 5000))
    if small and mid and big:
        growth = (big.median - small.median) / (mid.median - small.median)
        lines.append(
            f"- Scaling (one process): beyond start-up (the 20-docs time), 5000 docs cost "
            f"{growth:.1f} times what 1000 docs cost (linear: 5.1 times)."
        )
    return lines


def machine(kubectl: str) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    mem_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, check=False
    ).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"- Machine: {len(os.sched_getaffinity(0))} CPUs ({model}), {mem_gib:.0f} GiB, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; kubectl: {version.replace(chr(10), ', ')}",
        f"- apply-imagemaps shares streams of {2 * parallel.MIN_CHUNK // 1024} KiB or more out "
        f"among up to {parallel.jobs()} processes here ({parallel.ENV}); the `1 process` "
        f"column sets {parallel.ENV}=1",
        f"- apply-imagemaps at commit {commit or '(none yet)'}; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
    ]


def find_ours() -> str:
    """The apply-imagemaps to measure, with its package's bytecode written as an install has it.

    The package is installed in editable mode, and PYTHONDONTWRITEBYTECODE (set on some
    machines, this one included) would otherwise make every run compile the sources again.
    """
    compileall.compile_dir(Path(parallel.__file__).parent, quiet=1)
    beside = Path(sys.executable).with_name("apply-imagemaps")
    found = str(beside) if beside.exists() else shutil.which("apply-imagemaps")
    if found is None:
        sys.exit("apply-imagemaps not found: run `make bench` (it installs .venv)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=SIZES, help="default 20,1000,5000")
    parser.add_argument("--runs", type=int, help="runs of each tool per input (default 5)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 runs, and no kustomize runs where no goal compares with it",
    )
    parser.add_argument("--out", type=Path, help="also write the report to this markdown file")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        sys.exit("kubectl not found on PATH")
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit(f"{GNU_TIME} not found: install GNU time (Debian: apt-get install time)")
    bench_ = Bench(find_ours(), kubectl, Path(tempfile.mkdtemp(prefix="bench-")))
    inputs = prepare(args.workdir, args.sizes)
    results = []
    try:
        bench_.warm_up(inputs[0])
        for item in inputs:
            goal = GOALS.get(item.name)
            skip = args.quick and (goal is None or goal.max_ratio is None)
            print(f"{item.name}: measuring…", file=sys.stderr, flush=True)
            result = bench_.measure(item, runs, 0 if skip else runs)
            if skip:
                result.kustomize_note = "kustomize skipped: --quick"
            elif 0 < len(result.kustomize.seconds) < runs:
                result.kustomize_note = f"kustomize capped at a {KUSTOMIZE_BUDGET_S:.0f} s budget"
            results.append(result)
    except RunFailed as exc:
        sys.exit(f"warm-up failed: {exc}")
    finally:
        shutil.rmtree(bench_.tmp)

    rows, missed = table(results)
    report = [
        "# apply-imagemaps vs kubectl kustomize",
        "",
        *machine(kubectl),
        "",
        *rows,
        "",
        *notes(results),
        "",
        ("Goals missed: " + "; ".join(missed)) if missed else "Goals missed: none.",
    ]
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 1 if any(r.failure or r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
