"""A long stream shared out among processes: real forks, the same output and results as
one process, and a failed worker's chunk done again by the parent."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import pytest

from krm_fn import parallel
from krm_fn.pipeline import ConfigFile, Output, run
from krm_fn.results import FileRef
from tests.conftest import corpus_file, imagemap
from tests.oracle import checked_run

PARENT = os.getpid()
KNATIVE = "knative.dev/serving"


@pytest.fixture(autouse=True)
def short_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any text of 1 character or more is worth a process."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1)


@pytest.mark.parametrize(
    ("setting", "expected"), [("1", 1), ("3", 3), ("0", 1), ("two", 1), (" 2 ", 2), ("-2", 1)]
)
def test_jobs_from_a_setting(setting: str, expected: int) -> None:
    assert parallel.jobs(setting) == expected


@pytest.mark.parametrize("setting", ["", "  "])
def test_jobs_by_default_are_the_usable_cpus(setting: str) -> None:
    cpus = len(os.sched_getaffinity(0))
    assert parallel.jobs(setting) == min(cpus, parallel.MAX_JOBS)


def test_a_pool_has_at_least_one_process() -> None:
    assert [parallel.Workers(n).jobs for n in (-1, 0, 1, 5)] == [1, 1, 1, 5]
    assert parallel.Workers().jobs == 1


@pytest.mark.parametrize(
    ("sizes", "count", "expected"),
    [
        ([1] * 12, 3, [[1] * 4, [1] * 4, [1] * 4]),
        ([5, 1, 1, 1, 1, 1], 2, [[5], [1, 1, 1, 1, 1]]),
        ([1, 1, 1, 1, 1, 5], 2, [[1, 1, 1, 1, 1], [5]]),
        ([3, 3], 4, [[3], [3]]),  # never an empty chunk
        ([7], 3, [[7]]),
        ([1, 10, 1], 3, [[1, 10], [1]]),
        ([], 2, [[]]),
        ([1] * 12, 1, [[1] * 12]),
    ],
)
def test_split_is_contiguous_and_balanced(
    sizes: list[int], count: int, expected: list[list[int]]
) -> None:
    assert [list(c) for c in parallel.Workers(count).split(sizes, lambda n: n)] == expected


def test_split_keeps_short_texts_in_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_CHUNK", 512 * 1024)
    workers = parallel.Workers(4)
    short = [parallel.MIN_CHUNK // 4] * 7  # 1.75 chunks' worth: one process
    assert [list(c) for c in workers.split(short, lambda n: n)] == [short]
    long = [parallel.MIN_CHUNK // 4] * 9  # 2.25 chunks' worth: two
    assert [len(c) for c in workers.split(long, lambda n: n)] == [5, 4]


def _pids(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in chunk]


def _itself(item: object) -> object:
    return item


def test_map_chunks_forks_a_worker_per_chunk_after_the_first() -> None:
    chunks = [[1, 2], [3], [4, 5]]
    results = parallel.Workers(3).map_chunks(_pids, chunks, _itself)
    assert [[item for item, _ in r] for r in results] == chunks
    pids = [r[0][1] for r in results]
    assert pids[0] == PARENT
    assert len(set(pids)) == 3  # two workers, each its own process


def _texts_and_pids(chunk: Sequence[tuple[str, str]]) -> list[tuple[str, str, int]]:
    return [(held, other, os.getpid()) for held, other in chunk]


def test_what_a_worker_holds_of_its_chunk_comes_back_as_the_parents_own() -> None:
    """An object `held` names is sent as its place in the chunk, the others pickled."""
    chunks = [[(f"held {i}", f"other {i}") for i in range(n, n + 2)] for n in (0, 2)]
    results = parallel.Workers(2).map_chunks(_texts_and_pids, chunks, lambda item: item[0])
    assert results[0][0][2] == PARENT != results[1][0][2]
    for chunk, result in zip(chunks, results, strict=True):
        assert [(held, other) for held, other, _ in result] == chunk
        assert all(got[0] is sent[0] for got, sent in zip(result, chunk, strict=True))
    assert results[1][0][1] is not chunks[1][0][1]  # pickled: a copy


def _fails_in_workers(chunk: Sequence[int]) -> list[int]:
    if os.getpid() != PARENT:
        raise RuntimeError("a worker's bug")
    return [item * 10 for item in chunk]


def _dies_in_workers(chunk: Sequence[int]) -> list[int]:
    if os.getpid() != PARENT:
        os._exit(0)  # exit status 0, but nothing sent
    return [item * 10 for item in chunk]


@pytest.mark.parametrize("work", [_fails_in_workers, _dies_in_workers])
def test_a_failed_workers_chunk_is_done_again_by_the_parent(
    work: Callable[[Sequence[int]], list[int]],
) -> None:
    assert parallel.Workers(3).map_chunks(work, [[1], [2, 3], [4]], _itself) == [
        [10],
        [20, 30],
        [40],
    ]


def _sleeps_in_workers(chunk: Sequence[int]) -> list[int]:
    if os.getpid() != PARENT:
        time.sleep(60)
    raise RuntimeError("the parent stops early")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_parent_that_stops_early_stops_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    forked: list[int] = []
    fork = parallel.Workers._fork

    def recorded(self: parallel.Workers, *args: object) -> tuple[int, int] | None:
        worker = fork(self, *args)  # type: ignore[arg-type]
        forked.extend([worker[0]] if worker else [])
        return worker

    monkeypatch.setattr(parallel.Workers, "_fork", recorded)
    with pytest.raises(RuntimeError, match="the parent stops early"):
        parallel.Workers(3).map_chunks(_sleeps_in_workers, [[1], [2], [3]], _itself)
    assert len(forked) == 2 and all(_gone(pid) for pid in forked)  # killed and reaped


def test_stop_kills_and_reaps_the_workers_not_collected() -> None:
    workers = parallel.Workers(2)
    worker = workers._fork(_sleeps_in_workers, [1], lambda item: item)
    assert worker is not None and not _gone(worker[0])
    workers.stop()
    assert _gone(worker[0])
    workers.stop()  # nothing left to stop


def _helm_stream(files: int, per_file: int) -> str:
    """Helm 3 output: `per_file` Deployments from each template, each with the image."""
    docs = []
    for f in range(files):
        for n in range(per_file):
            docs.append(
                f"---\n# Source: chart/templates/t{f}.yaml\napiVersion: apps/v1\n"
                f"kind: Deployment\nmetadata:\n  name: d{f}-{n}\nspec:\n  template:\n"
                "    spec:\n      containers:\n      - name: c\n        image: app:1\n"
            )
    return "".join(docs)


MAPS = imagemap("app", "app", "localhost:5000/app:tilt-1")


def shared_run(data: bytes, config: list[ConfigFile], jobs: int) -> Output:
    """`pipeline.run` with a pool of `jobs` processes (one process: `checked_run`)."""
    return run(data, config, workers=parallel.Workers(jobs))


@pytest.mark.parametrize("count", [2, 3, 7])
def test_a_shared_out_stream_gives_what_one_process_gives(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    data = _helm_stream(files=3, per_file=5).encode()
    config = [ConfigFile("maps.yaml", MAPS.encode())]
    alone = checked_run(data, config)
    delivered: list[object] = []  # what each worker sent: None, its chunk was done here again
    collect = parallel.Workers._collect

    def recorded(self: parallel.Workers, worker: tuple[int, int], held: list[object]) -> object:
        delivered.append(collect(self, worker, held))
        return delivered[-1]

    monkeypatch.setattr(parallel.Workers, "_collect", recorded)
    shared = shared_run(data, config, count)
    assert len(delivered) == count - 1 and None not in delivered
    assert shared == alone
    assert alone.stdout.count(b"image: localhost:5000/app:tilt-1\n") == 15
    # each template's documents are counted across chunk boundaries: 0, 1, ... 4
    files = [r.file for r in alone.results if r.message.startswith('ImageMap "app" set')]
    assert files == [FileRef(f"chart/templates/t{f}.yaml", n) for f in range(3) for n in range(5)]


def test_errors_and_unused_maps_across_chunks() -> None:
    """A document that cannot be read, in a later chunk: the same error, nothing written."""
    data = (_helm_stream(files=2, per_file=3) + "---\nkey: [unclosed\n").encode()
    config = [ConfigFile("maps.yaml", (MAPS + "---\n" + imagemap("x", "x", "x:1")).encode())]
    alone = checked_run(data, config)
    shared = shared_run(data, config, 4)
    assert shared == alone
    assert alone.stdout == b""
    assert [str(r) for r in alone.results if r.severity == "error"] == [
        "[error] document 7, line 75, column 1: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 74, column 6)"
    ]


@pytest.mark.parametrize(
    ("stream", "selector"),
    [
        ("kube-prometheus-stack.yaml", "quay.io/kiwigrid/k8s-sidecar"),
        (
            "knative-serving-core-1.23.0.yaml",
            "gcr.io/knative-releases/knative.dev/serving/cmd/queue",
        ),
    ],
)
def test_corpus_streams_shared_out(stream: str, selector: str) -> None:
    data = corpus_file("streams", stream).read_bytes()
    config = [ConfigFile("maps.yaml", imagemap("m", selector, "localhost:5000/m:tilt-1").encode())]
    alone = checked_run(data, config)
    assert shared_run(data, config, 3) == alone
    assert b"localhost:5000/m:tilt-1" in alone.stdout
