"""The benchmark's own logic (bench/), at tiny sizes and without kustomize: its inputs are
deterministic and say truly what they hold, it finds the corpus or says why not, its
byte-for-byte check finds a difference, and its report names what it skipped."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import run_fn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import corpus
import goals
import measure
import report
from generate import Input, prepare
from manifests import many_selectors


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*.yaml")}


def test_inputs_are_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = prepare(tmp_path / "a", None, sizes=(3,), maps=(1, 4), maps_docs=5)
    prepare(tmp_path / "b", None, sizes=(3,), maps=(1, 4), maps_docs=5)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    names = [item.name for item in first]
    assert names == [
        "deployments-3",
        "resourcelist-1000",
        "crd-heavy",
        "imagemaps-1",
        "imagemaps-4",
    ]


def test_many_imagemaps_rewrite_what_one_does(tmp_path: Path) -> None:
    """Distinct selectors, one matching: the output has as many rewrites as the input says,
    and the same bytes as with the one map (the others only add warnings)."""
    one, many = prepare(tmp_path, None, sizes=(), maps=(1, 50), maps_docs=12)[-2:]
    assert (many.maps, many.kustomize) == (50, False)
    assert len(set(many_selectors(50))) == 50
    outputs = []
    for item in (one, many):
        run = run_fn(
            item.stream.read_bytes(), "--imagemaps", str(item.directory / "imagemaps.yaml")
        )
        assert run.exit_code == 0, run.stderr
        assert run.stdout.count(item.new_ref) == item.expected_rewrites > 0
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]


def fake_corpus(directory: Path) -> Path:
    """A corpus of one small stream, with its inventory, named as the real one's."""
    (directory / "streams").mkdir(parents=True)
    sidecar = f"{corpus.KPS_SELECTOR}:1.30.0"
    (directory / "streams" / corpus.KPS).write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        f"    - name: a\n      image: {sidecar}\n"
    )
    images = [{"ref": sidecar, "path": "/spec/containers/0/image"}]
    inventory = {"files": {corpus.KPS: {"documents": 1, "images": images}}}
    (directory / "inventory.json").write_text(json.dumps(inventory))
    return directory


def test_the_corpus_is_found_from_the_environment(tmp_path: Path) -> None:
    found, reason = corpus.find({corpus.ENV: str(fake_corpus(tmp_path / "corpus"))})
    assert (found, reason) == (corpus.Corpus(tmp_path / "corpus"), "")
    assert found is not None
    item = prepare(tmp_path / "work", found, sizes=(), maps=())[-1]
    assert (item.name, item.docs, item.expected_rewrites) == ("kube-prometheus-stack", 1, 1)
    assert item.stream == tmp_path / "corpus" / "streams" / corpus.KPS  # read in place


def test_a_missing_corpus_says_where_it_looked(tmp_path: Path) -> None:
    found, reason = corpus.find({corpus.ENV: str(tmp_path)})
    assert found is None
    assert (
        reason
        == f"${corpus.ENV} is {tmp_path}, which holds no streams/{corpus.KPS} and inventory.json"
    )
    found, reason = corpus.find({})
    if found is None:
        assert str(corpus.BESIDE) in reason and corpus.ENV in reason
    else:
        assert found.directory == corpus.BESIDE


def test_the_report_names_the_rows_it_skipped() -> None:
    lines = report.skipped("the corpus is not at /nowhere", [])
    assert lines[0] == (
        "- Skipped the rows on the corpus (kube-prometheus-stack against kustomize, the libyaml "
        "floor, memory on the largest corpus stream): the corpus is not at /nowhere."
    )
    assert (
        "- Not judged: libyaml floor on kube-prometheus-stack: ratio ≤ 0.7 "
        "(kube-prometheus-stack not measured)"
    ) in lines
    assert lines[-1] == (
        "- Not judged: many ImageMaps: 1000 maps ≤ 1.5x 1 map (no run with 1 and 1000 maps)"
    )


def test_a_different_output_is_found_and_placed() -> None:
    assert measure.difference(b"a: 1\nb: 2\n", b"a: 1\nb: 2\n") == ""
    assert measure.difference(b"a: 1\nb: 2\n", b"a: 1\nb: 3\n") == (
        "differs from the one-process result at byte 8 (line 2; 10 bytes, not 10)"
    )
    assert measure.difference(b"a: 1\n", b"a: 1\nb: 2\n").startswith(
        "differs from the one-process result at byte 5 (line 2; 10 bytes, not 5)"
    )


def result(tmp_path: Path, name: str, maps: int, seconds: float, rss_mib: float) -> measure.Result:
    stream = tmp_path / f"{name}.yaml"
    stream.write_bytes(b"x" * 2**20)  # 1 MiB
    item = Input(name, "", tmp_path, stream, 1, "s", 0, maps=maps)
    done = measure.Result(item)
    done.ours.seconds, done.ours.rss_kib = [seconds], [int(rss_mib * 1024)]
    return done


@pytest.mark.parametrize(("seconds", "met"), [(1.5, []), (1.6, ["1.60x one map > 1.5x"])])
def test_many_imagemaps_goal(tmp_path: Path, seconds: float, met: list[str]) -> None:
    one = result(tmp_path, "imagemaps-1", 1, 1.0, 10)
    assert goals.many_maps(result(tmp_path, "imagemaps-1000", 1000, seconds, 10), one) == met
    assert goals.many_maps(result(tmp_path, "imagemaps-100", 100, 9.0, 10), one) is None


def test_memory_goal_is_three_times_the_input_and_30_mib(tmp_path: Path) -> None:
    assert goals.memory(result(tmp_path, "deployments-5000", 1, 1.0, 33)) == []
    assert goals.memory(result(tmp_path, "deployments-5000", 1, 1.0, 34)) == [
        "peak RSS 34 MiB > 33 MiB"
    ]
    assert goals.memory(result(tmp_path, "deployments-1000", 1, 1.0, 99)) is None  # reported
