"""A long stream shared out among processes: real forks, the same output and results as
one process, and a failed worker's chunk done again by the parent."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from krm_fn import parallel
from krm_fn.pipeline import ConfigFile, run
from krm_fn.results import FileRef
from tests.conftest import corpus_file, imagemap
from tests.oracle import checked_run

PARENT = os.getpid()
KNATIVE = "knative.dev/serving"


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set APPLY_IMAGEMAPS_JOBS, and let any text of 1 character or more have a process."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1)

    def set_jobs(count: int | str) -> None:
        monkeypatch.setenv(parallel.ENV, str(count))

    return set_jobs


@pytest.mark.parametrize(
    ("value", "expected"), [("1", 1), ("3", 3), ("0", 1), ("two", 1), (" 2 ", 2)]
)
def test_jobs_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv(parallel.ENV, value)
    assert parallel.jobs() == expected


def test_jobs_by_default_are_the_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV, raising=False)
    cpus = len(os.sched_getaffinity(0))
    assert parallel.jobs() == min(cpus, parallel.MAX_JOBS)


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
    ],
)
def test_split_is_contiguous_and_balanced(
    jobs, sizes: list[int], count: int, expected: list[list[int]]
) -> None:  # type: ignore[no-untyped-def]
    jobs(count)
    assert [list(c) for c in parallel.split(sizes, lambda n: n)] == expected


def test_split_keeps_short_texts_in_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "4")
    short = [parallel.MIN_CHUNK // 4] * 7  # 1.75 chunks' worth: one process
    assert [list(c) for c in parallel.split(short, lambda n: n)] == [short]
    long = [parallel.MIN_CHUNK // 4] * 9  # 2.25 chunks' worth: two
    assert [len(c) for c in parallel.split(long, lambda n: n)] == [5, 4]


def _pids(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in chunk]


def test_map_chunks_forks_a_worker_per_chunk_after_the_first() -> None:
    chunks = [[1, 2], [3], [4, 5]]
    results = parallel.map_chunks(_pids, chunks)
    assert [[item for item, _ in r] for r in results] == chunks
    pids = [r[0][1] for r in results]
    assert pids[0] == PARENT
    assert len(set(pids)) == 3  # two workers, each its own process


def _fails_in_workers(chunk: Sequence[int]) -> list[int]:
    if os.getpid() != PARENT:
        raise RuntimeError("a worker's bug")
    return [item * 10 for item in chunk]


def _dies_in_workers(chunk: Sequence[int]) -> list[int]:
    if os.getpid() != PARENT:
        os._exit(0)  # exit status 0, but nothing sent
    return [item * 10 for item in chunk]


@pytest.mark.parametrize("work", [_fails_in_workers, _dies_in_workers])
def test_a_failed_workers_chunk_is_done_again_by_the_parent(work) -> None:  # type: ignore[no-untyped-def]
    assert parallel.map_chunks(work, [[1], [2, 3], [4]]) == [[10], [20, 30], [40]]


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


@pytest.mark.parametrize("count", [2, 3, 7])
def test_a_shared_out_stream_gives_what_one_process_gives(
    jobs, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:  # type: ignore[no-untyped-def]
    data = _helm_stream(files=3, per_file=5).encode()
    config = [ConfigFile("maps.yaml", MAPS.encode())]
    jobs(1)
    alone = checked_run(data, config)
    jobs(count)
    delivered = []  # what each worker sent: None would mean its chunk was done again here
    collect = parallel._collect

    def recorded(worker: tuple[int, int]) -> object:
        delivered.append(collect(worker))
        return delivered[-1]

    monkeypatch.setattr(parallel, "_collect", recorded)
    shared = run(data, config)
    assert len(delivered) == count - 1 and None not in delivered
    assert shared == alone
    assert alone.stdout.count(b"image: localhost:5000/app:tilt-1\n") == 15
    # each template's documents are counted across chunk boundaries: 0, 1, ... 4
    files = [r.file for r in alone.results if r.message.startswith('ImageMap "app" set')]
    assert files == [FileRef(f"chart/templates/t{f}.yaml", n) for f in range(3) for n in range(5)]


def test_errors_and_unused_maps_across_chunks(jobs) -> None:  # type: ignore[no-untyped-def]
    """A document that cannot be read, in a later chunk: the same error, nothing written."""
    data = (_helm_stream(files=2, per_file=3) + "---\nkey: [unclosed\n").encode()
    config = [ConfigFile("maps.yaml", (MAPS + "---\n" + imagemap("x", "x", "x:1")).encode())]
    jobs(1)
    alone = checked_run(data, config)
    jobs(4)
    shared = run(data, config)
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
def test_corpus_streams_shared_out(jobs, stream: str, selector: str) -> None:  # type: ignore[no-untyped-def]
    data = corpus_file("streams", stream).read_bytes()
    config = [ConfigFile("maps.yaml", imagemap("m", selector, "localhost:5000/m:tilt-1").encode())]
    jobs(1)
    alone = checked_run(data, config)
    jobs(3)
    assert run(data, config) == alone
    assert b"localhost:5000/m:tilt-1" in alone.stdout
