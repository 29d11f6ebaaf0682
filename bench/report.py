"""The report of a run: the machine, one table per kind of row, notes, skipped rows, goals."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

import goals
import plot
from corpus import ROOT
from measure import Result, Series

from krm_fn import parallel


def seconds_cell(series: Series) -> str:
    return f"{series.median:.3f}" if series.seconds else "—"


def mib_cell(series: Series) -> str:
    return f"{series.peak_mib:.0f}" if series.rss_kib else "—"


def ratio_cell(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2g}"


def size_cell(result: Result) -> str:
    item = result.item
    return f"{item.ours_stdin.stat().st_size / 1e6:.3g} MB, {item.docs} docs"


def missed_lines(name: str, missed: list[str] | None) -> list[str]:
    return [f"{name}: {text}" for text in missed or []]


def vs_kustomize_table(results: list[Result]) -> tuple[list[str], list[str]]:
    """The markdown table of the inputs both tools run, and the goals missed."""
    lines = [
        "| input | size | runs (ours/kustomize) | apply-imagemaps median s | peak RSS MiB "
        "| 1 process s | kustomize median s | peak RSS MiB | ratio | goal | met? |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    missed_all = []
    for result in results:
        name = result.item.name
        runs = f"{len(result.ours.seconds)}/{len(result.kustomize.seconds)}"
        if result.kustomize_note:
            runs += f" ({result.kustomize_note})"
        goal = goals.VS_KUSTOMIZE.get(name)
        missed = goals.vs_kustomize(result)
        missed_all += missed_lines(name, missed)
        met = goals.met(result, missed, "n/a (no kustomize run)" if goal else "—")
        lines.append(
            f"| {name} | {size_cell(result)} | {runs} | {seconds_cell(result.ours)} "
            f"| {mib_cell(result.ours)} | {seconds_cell(result.alone)} "
            f"| {seconds_cell(result.kustomize)} | {mib_cell(result.kustomize)} "
            f"| {ratio_cell(result.ratio)} | {goal.text if goal else 'reported'} | {met} |"
        )
    return lines, missed_all


def maps_table(results: list[Result]) -> tuple[list[str], list[str]]:
    """Ours over the same Deployments with more and more ImageMaps."""
    lines = [
        "| ImageMaps | Deployments | runs | apply-imagemaps median s | 1 process s "
        "| peak RSS MiB | x 1 map | goal | met? |",
        "|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    one = next((r for r in results if r.item.maps == 1), None)
    missed_all = []
    for result in results:
        item = result.item
        missed = goals.many_maps(result, one)
        missed_all += missed_lines(f"{item.maps} ImageMaps", missed)
        goal = goals.MAPS_TEXT if item.maps == goals.MAPS_AT else "reported"
        lines.append(
            f"| {item.maps} | {item.docs} | {len(result.ours.seconds)} "
            f"| {seconds_cell(result.ours)} | {seconds_cell(result.alone)} "
            f"| {mib_cell(result.ours)} | {ratio_cell(goals.maps_ratio(result, one))} "
            f"| {goal} | {goals.met(result, missed)} |"
        )
    return lines, missed_all


def floor_table(result: Result) -> tuple[list[str], list[str]]:
    """Ours against merely iterating libyaml's events in Python over the same text."""
    missed = goals.floor(result)
    return [
        "| input | size | apply-imagemaps median s | 1 process s | libyaml's events in Python s "
        "| ratio | goal | met? |",
        "|---|---|--:|--:|--:|--:|---|---|",
        f"| {result.item.name} | {size_cell(result)} | {seconds_cell(result.ours)} "
        f"| {seconds_cell(result.alone)} | {seconds_cell(result.libyaml)} "
        f"| {ratio_cell(goals.floor_ratio(result))} | {goals.FLOOR_TEXT} "
        f"| {goals.met(result, missed)} |",
    ], missed_lines(f"libyaml floor on {result.item.name}", missed)


def memory_table(results: list[Result]) -> tuple[list[str], list[str]]:
    """Ours' peak RSS (one process or several, the larger) against the input's size."""
    lines = [
        "| input | input MiB | peak RSS MiB | x input | 3x input + 30 MiB | goal | met? |",
        "|---|--:|--:|--:|--:|---|---|",
    ]
    missed_all = []
    for result in results:
        name, size, peak = result.item.name, goals.input_mib(result), goals.peak_mib(result)
        missed = goals.memory(result)
        missed_all += missed_lines(f"memory on {name}", missed)
        goal = goals.MEMORY_TEXT if name in goals.MEMORY_INPUTS else "reported"
        lines.append(
            f"| {name} | {size:.2f} | {'—' if peak is None else f'{peak:.0f}'} "
            f"| {'—' if peak is None else f'{peak / size:.1f}'} "
            f"| {goals.memory_limit(result):.0f} | {goal} | {goals.met(result, missed)} |"
        )
    return lines, missed_all


def notes(results: list[Result]) -> list[str]:
    lines = []
    for result in results:
        item, ours = result.item, result.ours
        if result.failure:
            lines.append(f"- {item.name}: FAILED: {result.failure.strip()}")
            continue
        note = f"- {item.name}: {item.description}; images rewritten: {ours.rewrites}"
        if item.kustomize:
            kustomize = result.kustomize.rewrites
            note += f" (kustomize {kustomize if kustomize is not None else '—'}"
            note += f", expected {item.expected_rewrites})"
        else:
            note += f" (expected {item.expected_rewrites})"
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
    compared = sum(r.compared for r in results)
    differing = sum(r.differing for r in results)
    lines.append(
        f"- Byte for byte: {compared} outputs of apply-imagemaps compared with the one-process "
        f"result ({parallel.ENV}=1) of the same input; {differing or 'none'} differed."
    )
    return lines


def skipped(corpus_reason: str, results: list[Result]) -> list[str]:
    """Plain lines on the rows this run left out, and why."""
    lines = []
    if corpus_reason:
        lines.append(
            "- Skipped the rows on the corpus (kube-prometheus-stack against kustomize, the "
            f"libyaml floor, memory on the largest corpus stream): {corpus_reason}."
        )
    names = {r.item.name for r in results}
    maps = {r.item.maps for r in results if not r.item.kustomize}
    return lines + goals.unjudged(names, maps)


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
    return [
        f"- Machine: {len(os.sched_getaffinity(0))} CPUs ({model}), {mem_gib:.0f} GiB, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; kubectl: {version.replace(chr(10), ', ')}",
        f"- apply-imagemaps shares streams of {2 * parallel.MIN_CHUNK // 1024} KiB or more out "
        f"among up to {parallel.jobs()} processes here ({parallel.ENV}); the `1 process` "
        f"column sets {parallel.ENV}=1",
        f"- apply-imagemaps at commit {commit() or '(none yet)'}; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
    ]


def commit() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def compose(results: list[Result], kubectl: str, corpus_reason: str, plot_path: Path | None) -> str:
    """The whole report, in markdown; with `plot_path`, the plot is drawn there and shown."""
    both = [r for r in results if r.item.kustomize]
    maps = [r for r in results if not r.item.kustomize]
    floor = [r for r in results if r.item.name == goals.FLOOR_INPUT]
    sections = []  # (title, (table, goals missed)), for the kinds of rows this run has
    if both:
        sections.append(("Against kustomize", vs_kustomize_table(both)))
    if maps:
        sections.append(("Many ImageMaps", maps_table(maps)))
    if floor:
        sections.append(("The libyaml floor", floor_table(floor[0])))
    if both:
        sections.append(("Memory against the input's size", memory_table(both)))
    about = machine(kubectl)
    text = ["# apply-imagemaps vs kubectl kustomize", "", *about, ""]
    missed = []
    for title, (rows, missed_here) in sections:
        text += [f"## {title}", "", *rows, ""]
        missed += missed_here
    if plot_path is not None:
        documents = [r for r in both if r.item.name == f"deployments-{r.item.docs}"]
        text += [plot.draw(documents, maps, plot_path, about[-1].removeprefix("- ")), ""]
    text += ["## Notes", "", *notes(results), ""]
    if lines := skipped(corpus_reason, results):
        text += ["## Skipped", "", *lines, ""]
    text.append(("Goals missed: " + "; ".join(missed)) if missed else "Goals missed: none.")
    return "\n".join(text) + "\n"
