"""Each config shape loaded by apiVersion and kind: maps, settings, manifests and problems."""

from __future__ import annotations

from krm_fn.config_shapes import load
from krm_fn.imagemap import FN, TILT, Manifests
from krm_fn.schema import Problem

IMAGEMAP = {"metadata": {"name": "a"}, "spec": {"selector": "a"}, "status": {"image": "b:1"}}


def test_each_shape_gives_its_maps() -> None:
    one = load({"apiVersion": TILT, "kind": "ImageMap", **IMAGEMAP})
    listed = load({"apiVersion": TILT, "kind": "ImageMapList", "items": [IMAGEMAP, IMAGEMAP]})
    applied = load({"apiVersion": FN, "kind": "ApplyImageMaps", "imageMaps": [IMAGEMAP]})
    assert [m.location for m in one.maps] == [""]
    assert [m.location for m in listed.maps] == ["items[0]", "items[1]"]
    assert [m.location for m in applied.maps] == ["imageMaps[0]"]
    assert {m.injected for c in (one, listed, applied) for m in c.maps} == {"b:1"}


def test_v1_list_items_are_checked_one_by_one() -> None:
    bad = {**IMAGEMAP, "apiVersion": TILT, "kind": "ImageMap", "extra": 1}
    config = load({"apiVersion": "v1", "kind": "List", "items": [bad]})
    assert [p.path for p in config.problems] == ["items[0].extra"]
    assert config.maps == []
    assert load({"apiVersion": "v1", "kind": "List"}).problems == [
        Problem("items", "expected a list of ImageMaps")
    ]


def test_list_items_must_be_imagemaps() -> None:
    config = load({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, "x"]})
    assert config.problems == [
        Problem("items[0]", "expected a tilt.dev/v1alpha1 ImageMap, got 'Pod'"),
        Problem("items[1]", "expected a tilt.dev/v1alpha1 ImageMap, got 'str'"),
    ]


def test_not_a_mapping() -> None:
    (problem,) = load(["a"]).problems
    assert problem.message.startswith("unknown config a list, not a mapping; expected one of:")


def test_unknown_kind_names_the_shapes() -> None:
    (problem,) = load({"apiVersion": "v1", "kind": "Pod"}).problems
    assert problem.message.startswith('unknown config kind "Pod" (apiVersion "v1"); expected')
    assert f"{FN} ApplyImageMaps" in problem.message


def test_apply_manifests_inline_or_a_path() -> None:
    config = load(
        {"apiVersion": FN, "kind": "ApplyImageMaps", "manifests": ["a.yaml", "kind: Pod\n"]}
    )
    assert config.manifests == [
        Manifests("manifests[0]", path="a.yaml"),
        Manifests("manifests[1]", text="kind: Pod\n"),
    ]


def test_kubernetes_apply_is_a_generator() -> None:
    spec = {
        "yaml": "kind: Pod\n",
        "imageMaps": ["a"],
        "disableSource": {"everyConfigMap": [{"name": "c", "key": "k"}]},
    }
    config = load({"apiVersion": TILT, "kind": "KubernetesApply", "spec": spec})
    assert config.problems == [] and config.maps == []
    assert config.manifests == [
        Manifests("spec.yaml", "kind: Pod\n", None, ("a",), (), (("c", "k"),))
    ]
