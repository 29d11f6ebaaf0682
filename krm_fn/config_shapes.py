"""Each config shape loaded: validated, to ImageMaps, the options it sets and its manifests.

Every config shape (SPEC §2) goes through the same steps, like kyaml's
`LoadFunctionConfig`: check it against its JSON Schema, then check what a schema cannot
say (a selector or status image that does not parse), gather every problem with its field
path, and only then build frozen values. Nothing downstream reads config keys.

Shapes, by apiVersion and kind (the values they make: `krm_fn.imagemap`):
- `tilt.dev/v1alpha1 ImageMap`; `tilt.dev/v1alpha1 ImageMapList`; `v1 List` of ImageMaps
  (an ImageMap without `spec` matches the images Tilt gives its name: `TiltName`);
- `v1 ConfigMap` shorthand (`krm_fn.shorthand`): `data` keys `selector`, `image`, `name`,
  `matchExact`, `matchInEnvVars`, `command`, `args`, `pullPolicy`, `strict`, `catalog`,
  `anyImageKey` (kpt `-- key=value`);
- `fn.apply-imagemaps.dev/v1alpha1 ApplyImageMaps`: `imageMaps`, `imageLocators`,
  `pullPolicy`, `strict`, `catalog`, `anyImageKey`, `manifests`;
- `tilt.dev/v1alpha1 KubernetesApply`: `spec.yaml`, `spec.imageMaps`, `spec.imageLocators`,
  `spec.disableSource`.

`manifests` and a KubernetesApply make the function a generator: it emits those manifests,
with the ImageMaps applied, besides its input. The options each config sets are its
`Settings` (krm_fn.options, which merges them into the run's `Options`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from krm_fn.config import Config, add_imagemap
from krm_fn.imagemap import FN, TILT, Manifests
from krm_fn.locators import compile_locators
from krm_fn.options import settings
from krm_fn.schema import Problem, Shape, check, field_path
from krm_fn.shorthand import load_configmap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["load"]


def load(data: object) -> Config:
    """Load any config shape. Problems (schema and semantic) are all in `Config.problems`."""
    obj = data if isinstance(data, dict) else {}
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    loader = _LOADERS.get((str(api_version), str(kind))) if isinstance(data, dict) else None
    if loader is None:
        expected = ", ".join(f"{a} {k}" for a, k in _LOADERS)
        what = f"kind {json.dumps(kind)} (apiVersion {json.dumps(api_version)})"
        if not isinstance(data, dict):
            what = f"a {type(data).__name__}, not a mapping"
        return Config(problems=[Problem("", f"unknown config {what}; expected one of: {expected}")])
    return loader(obj)


def _load_imagemap(obj: dict[str, Any]) -> Config:
    config = Config(problems=check(Shape.IMAGEMAP, obj))
    add_imagemap(config, obj, [], valid=not config.problems)
    return config


def _load_list(shape: Shape | None) -> Callable[[dict[str, Any]], Config]:
    def load_list(obj: dict[str, Any]) -> Config:
        config = Config(problems=check(shape, obj) if shape else [])
        items = obj.get("items")
        if not isinstance(items, list):
            if shape is None:
                config.problems.append(Problem("items", "expected a list of ImageMaps"))
            return config
        for index, item in enumerate(items):
            if shape is None and not _is_imagemap(item):
                config.problems.append(_not_imagemap(item, index))
                continue
            problems = check(Shape.IMAGEMAP, item)
            if shape is None:  # an ImageMapList's schema has reported them already
                config.problems += [_prefixed(["items", index], p) for p in problems]
            if isinstance(item, dict):
                add_imagemap(config, item, ["items", index], valid=not problems)
        return config

    return load_list


def _load_apply(obj: dict[str, Any]) -> Config:
    config = Config(problems=check(Shape.APPLYIMAGEMAPS, obj))
    items = obj.get("imageMaps")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            valid = not check(Shape.IMAGEMAP, item)
            add_imagemap(config, item, ["imageMaps", index], valid=valid)
    found = None
    if isinstance(obj.get("imageLocators"), list) and not config.problems:
        compiled, problems = compile_locators(obj["imageLocators"], "imageLocators")
        config.problems += problems
        found = tuple(compiled)
    if not config.problems:
        config.settings = settings(obj, found)
        config.manifests = [
            Manifests(f"manifests[{i}]", text=m)
            if "\n" in m
            else Manifests(f"manifests[{i}]", path=m)
            for i, m in enumerate(obj.get("manifests", []))
        ]
    return config


def _load_kubernetes_apply(obj: dict[str, Any]) -> Config:
    """Tilt's KubernetesApply as a generator: its `spec.yaml` with the ImageMaps it names."""
    config = Config(problems=check(Shape.KUBERNETESAPPLY, obj))
    if config.problems:
        return config
    spec = obj["spec"]
    found, config.problems = compile_locators(spec.get("imageLocators", []), "spec.imageLocators")
    names = tuple(spec.get("imageMaps", []))
    source = spec.get("disableSource", {})
    every = [source["configMap"]] if "configMap" in source else source.get("everyConfigMap", [])
    disable = tuple((c["name"], c["key"]) for c in every)
    config.manifests = [Manifests("spec.yaml", spec["yaml"], None, names, tuple(found), disable)]
    return config


def _is_imagemap(item: object) -> bool:
    return isinstance(item, dict) and (item.get("apiVersion"), item.get("kind")) == (
        TILT,
        "ImageMap",
    )


def _not_imagemap(item: object, index: int) -> Problem:
    kind = item.get("kind") if isinstance(item, dict) else type(item).__name__
    return Problem(field_path(["items", index]), f"expected a {TILT} ImageMap, got {kind!r}")


def _prefixed(prefix: Sequence[str | int], problem: Problem) -> Problem:
    path = field_path(prefix)
    joined = path + ("" if not problem.path or problem.path.startswith("[") else ".") + problem.path
    return Problem(joined, problem.message)


_LOADERS: dict[tuple[str, str], Callable[[dict[str, Any]], Config]] = {
    (TILT, "ImageMap"): _load_imagemap,
    (TILT, "ImageMapList"): _load_list(Shape.IMAGEMAPLIST),
    ("v1", "List"): _load_list(None),
    ("v1", "ConfigMap"): load_configmap,
    (FN, "ApplyImageMaps"): _load_apply,
    (TILT, "KubernetesApply"): _load_kubernetes_apply,
}
