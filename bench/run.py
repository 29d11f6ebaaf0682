"""Benchmark apply-imagemaps against `kubectl kustomize` on the inputs of bench/generate.py.

For each input the tools run alternately, several times each; the tables report the median
wall time and the peak RSS of each tool (from GNU time), the ratios of the medians and the
goals of issues 4 and 14, with whether each is met. Missed goals are reported, not fatal;
the exit status is 1 only when a run fails or a sanity check does (an image count, or an
output that differs byte for byte from the one-process result).

    python bench/run.py [--quick] [--sizes 20,1000,2000,3000,5000] [--runs N]
        [--maps 1,10,100,1000] [--maps-docs 1000] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import sys
import tempfile
from pathlib import Path

import corpus
import goals
import report
from generate import MAPS, MAPS_DOCS, SIZES, Input, parse_sizes, prepare
from measure import GNU_TIME, KUSTOMIZE_BUDGET_S, Bench, Result, RunFailed

from krm_fn import parallel


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


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sizes = ",".join(map(str, SIZES))
    parser.add_argument("--sizes", type=parse_sizes, default=SIZES, help=f"default {sizes}")
    parser.add_argument("--runs", type=int, help="runs of each tool per input (default 5)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 runs, and no kustomize runs where no goal compares with it",
    )
    maps = ",".join(map(str, MAPS))
    parser.add_argument("--maps", type=parse_sizes, default=MAPS, help=f"default {maps}")
    parser.add_argument("--maps-docs", type=int, default=MAPS_DOCS, help=f"default {MAPS_DOCS}")
    parser.add_argument(
        "--out", type=Path, help="also write the report to this markdown file, the plot beside"
    )
    parser.add_argument("--workdir", type=Path, default=corpus.ROOT / ".cache" / "bench")
    return parser.parse_args()


def measure_all(bench: Bench, inputs: list[Input], runs: int, quick: bool) -> list[Result]:
    results = []
    bench.warm_up(inputs[0])
    for item in inputs:
        goal = goals.VS_KUSTOMIZE.get(item.name)
        skip = quick and (goal is None or goal.max_ratio is None)
        kustomize_runs = runs if item.kustomize and not skip else 0
        print(f"{item.name}: measuring…", file=sys.stderr, flush=True)
        result = bench.measure(item, runs, kustomize_runs, item.name == goals.FLOOR_INPUT)
        if item.kustomize and skip:
            result.kustomize_note = "kustomize skipped: --quick"
        elif 0 < len(result.kustomize.seconds) < runs:
            result.kustomize_note = f"kustomize capped at a {KUSTOMIZE_BUDGET_S:.0f} s budget"
        results.append(result)
    return results


def main() -> int:
    args = arguments()
    runs = args.runs or (3 if args.quick else 5)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        sys.exit("kubectl not found on PATH")
    if not Path(GNU_TIME).is_file():
        sys.exit(f"{GNU_TIME} not found: install GNU time (Debian: apt-get install time)")
    found, corpus_reason = corpus.find()
    if found is None:
        print(f"skipping the rows on the corpus: {corpus_reason}", file=sys.stderr)
    inputs = prepare(args.workdir, found, args.sizes, args.maps, args.maps_docs)
    bench = Bench(find_ours(), kubectl, sys.executable, Path(tempfile.mkdtemp(prefix="bench-")))
    try:
        results = measure_all(bench, inputs, runs, args.quick)
    except RunFailed as exc:
        sys.exit(f"warm-up failed: {exc}")
    finally:
        shutil.rmtree(bench.tmp)

    plot_path = args.out.with_suffix(".png") if args.out else None
    out = report.compose(results, kubectl, corpus_reason, plot_path)
    print(out)
    if args.out:
        args.out.write_text(out)
    return 1 if any(r.failure or r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
