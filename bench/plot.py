"""The scaling curves as a PNG: time against documents (ours and kustomize), and time
against ImageMaps. matplotlib is the bench's own extra (`pip install -e '.[bench]'`)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from pathlib import Path

import goals
from measure import ALONE, KUSTOMIZE, LABELS, OURS, Result


def curve(results: list[Result], key: str, x: Callable[[Result], int]) -> list[list[float]]:
    """The x values and median seconds of tool `key`, where it ran."""
    ran = [r for r in results if r.series[key].seconds]
    return [[x(r) for r in ran], [r.series[key].median for r in ran]]


def draw(documents: list[Result], maps: list[Result], path: Path, title: str) -> str:
    """Write the plot to `path`; the line for the report that says where, or why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        return "No plot: matplotlib is not installed (`make bench` installs the `bench` extra)."
    figure, (by_docs, by_maps) = plt.subplots(
        1, 2, figsize=(12, 5), width_ratios=(3, 2), layout="constrained"
    )
    figure.suptitle(title, fontsize=9)
    panels = (
        (by_docs, documents, attrgetter("item.docs")),
        (by_maps, maps, attrgetter("item.maps")),
    )
    for key, style in ((OURS, "o-"), (ALONE, "s--"), (KUSTOMIZE, "^-")):
        for axes, results, x in panels[: 1 if key == KUSTOMIZE else 2]:  # no maps for kustomize
            axes.plot(*curve(results, key, x), style, label=LABELS[key])
    by_docs.set(
        xscale="log",
        yscale="log",
        xlabel="Deployments in the stream",
        ylabel="median wall time, s",
        title="Time against documents (log-log: slope 1 is linear, 2 quadratic)",
    )
    by_docs.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
    one = next((r for r in maps if r.item.maps == 1 and r.ours.seconds), None)
    if one is not None:
        limit = goals.MAPS_MAX_RATIO * one.ours.median
        by_maps.axhline(limit, color="grey", linestyle=":", label=f"goal: {goals.MAPS_TEXT}")
    docs = maps[0].item.docs if maps else 0
    by_maps.set(
        xscale="log",
        ylim=(0, None),
        xlabel=f"ImageMaps (over {docs} Deployments)",
        ylabel="median wall time, s",
        title="Time against ImageMaps",
    )
    plain = ticker.FormatStrFormatter("%g")  # 0.2, 1000: not 2x10^-1, 10^3
    for axes, results, x in panels:
        axes.set_xticks(sorted({x(r) for r in results}))
        axes.xaxis.set_major_formatter(plain)
        axes.xaxis.set_minor_formatter(ticker.NullFormatter())
        axes.yaxis.set_major_formatter(plain)
        axes.yaxis.set_minor_formatter(ticker.NullFormatter())
        axes.tick_params(labelsize=8)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return f"![Scaling curves: time against documents and against ImageMaps]({path.name})"
