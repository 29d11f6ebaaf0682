"""The goals of `make bench` (issues 4 and 14), and whether a run met them.

Every goal is judged on the medians (or peaks) of one run, where the tools alternated.
Missed goals are reported, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass

from measure import Result


@dataclass(frozen=True)
class Goal:
    """A goal of an input measured against kustomize."""

    text: str
    max_ratio: float | None = None  # ours / kustomize, of the medians
    max_seconds: float | None = None
    max_rss_mib: float | None = None


VS_KUSTOMIZE = {
    "deployments-20": Goal("ratio ≤ 0.6", max_ratio=0.6),
    "deployments-1000": Goal("ratio ≤ 0.15", max_ratio=0.15),
    "deployments-5000": Goal("≤ 1.5 s, ≤ 150 MiB", max_seconds=1.5, max_rss_mib=150),
    "kube-prometheus-stack": Goal("≤ 1.5 s", max_seconds=1.5),
}
MAPS_AT, MAPS_MAX_RATIO = 1000, 1.5  # 1000 ImageMaps: at most 1.5 times one ImageMap's time
FLOOR_INPUT, FLOOR_MAX_RATIO = "kube-prometheus-stack", 0.7  # ours / libyaml's events in Python
MEMORY_INPUTS = ("deployments-5000", "kube-prometheus-stack")  # the last: the largest corpus stream
MEMORY_FACTOR, MEMORY_EXTRA_MIB = 3.0, 30.0  # peak RSS ≤ 3 times the input + 30 MiB

MAPS_TEXT = f"{MAPS_AT} maps ≤ {MAPS_MAX_RATIO}x 1 map"
FLOOR_TEXT = f"ratio ≤ {FLOOR_MAX_RATIO}"
MEMORY_TEXT = f"≤ {MEMORY_FACTOR:.0f}x input + {MEMORY_EXTRA_MIB:.0f} MiB"


def met(result: Result, missed: list[str] | None, otherwise: str = "—") -> str:
    """The `met?` cell: `otherwise` where no goal was judged (`missed` is None)."""
    if result.failure:
        return "failed"
    if result.problems:
        return "no (sanity)"
    if missed is None:
        return otherwise
    return "no" if missed else "yes"


def vs_kustomize(result: Result) -> list[str] | None:
    """The goal of an input against kustomize, missed; None where it has none to judge."""
    goal = VS_KUSTOMIZE.get(result.item.name)
    if goal is None or not result.ours.seconds:
        return None
    ratio, seconds, mib = result.ratio, result.ours.median, result.ours.peak_mib
    missed = []
    if goal.max_ratio is not None:
        if ratio is None:
            return None
        if ratio > goal.max_ratio:
            missed.append(f"ratio {ratio:.2f} > {goal.max_ratio}")
    if goal.max_seconds is not None and seconds > goal.max_seconds:
        missed.append(f"{seconds:.2f} s > {goal.max_seconds} s")
    if goal.max_rss_mib is not None and mib > goal.max_rss_mib:
        missed.append(f"{mib:.0f} MiB > {goal.max_rss_mib} MiB")
    return missed


def maps_ratio(result: Result, one: Result | None) -> float | None:
    """The time with many ImageMaps over the time with one (ours, of the medians)."""
    if one is None or not one.ours.seconds or not result.ours.seconds:
        return None
    return result.ours.median / one.ours.median


def many_maps(result: Result, one: Result | None) -> list[str] | None:
    ratio = maps_ratio(result, one)
    if result.item.maps != MAPS_AT or ratio is None:
        return None
    return [f"{ratio:.2f}x one map > {MAPS_MAX_RATIO}x"] if ratio > MAPS_MAX_RATIO else []


def floor_ratio(result: Result) -> float | None:
    if not result.ours.seconds or not result.libyaml.seconds:
        return None
    return result.ours.median / result.libyaml.median


def floor(result: Result) -> list[str] | None:
    ratio = floor_ratio(result)
    if ratio is None:
        return None
    if ratio > FLOOR_MAX_RATIO:
        return [f"{ratio:.2f}x libyaml's events > {FLOOR_MAX_RATIO}x"]
    return []


def input_mib(result: Result) -> float:
    return result.item.ours_stdin.stat().st_size / 2**20


def peak_mib(result: Result) -> float | None:
    """The peak RSS of ours, in one process or several, whichever is the larger."""
    peaks = [s.peak_mib for s in (result.ours, result.alone) if s.rss_kib]
    return max(peaks) if peaks else None


def memory_limit(result: Result) -> float:
    return MEMORY_FACTOR * input_mib(result) + MEMORY_EXTRA_MIB


def memory(result: Result) -> list[str] | None:
    peak = peak_mib(result)
    if result.item.name not in MEMORY_INPUTS or peak is None:
        return None
    limit = memory_limit(result)
    return [f"peak RSS {peak:.0f} MiB > {limit:.0f} MiB"] if peak > limit else []


def unjudged(names: set[str], maps: set[int]) -> list[str]:
    """The goals this run could not judge, for want of the inputs (`names`, and the counts of
    ImageMaps, `maps`) they are measured on."""
    wanted = [(f"{name}: {goal.text}", {name}) for name, goal in VS_KUSTOMIZE.items()]
    wanted += [(f"libyaml floor on {FLOOR_INPUT}: {FLOOR_TEXT}", {FLOOR_INPUT})]
    wanted += [(f"memory on {name}: {MEMORY_TEXT}", {name}) for name in MEMORY_INPUTS]
    lines = [
        f"- Not judged: {text} ({', '.join(sorted(need - names))} not measured)"
        for text, need in wanted
        if need - names
    ]
    missing_maps = sorted({1, MAPS_AT} - maps)
    if missing_maps:
        counts = " and ".join(str(n) for n in missing_maps)
        lines.append(f"- Not judged: many ImageMaps: {MAPS_TEXT} (no run with {counts} maps)")
    return lines
