"""What one config object contributes (`Config`), and one ImageMap object read into it.

`add_imagemap` is the step every config shape shares (`krm_fn.config_shapes`, and the
ConfigMap shorthand, `krm_fn.shorthand`): the semantic checks a JSON Schema cannot make (a
selector or status image that does not parse), each problem with its field path, and then,
when all is well, the frozen `ImageMap`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from krm_fn.imagemap import ImageMap, Manifests, Selector, TiltName
from krm_fn.options import Settings
from krm_fn.reference import InvalidReferenceError, Reference, parse_normalized_named
from krm_fn.schema import Problem, field_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Config", "add_imagemap"]


class Config:
    """What one config object contributed: maps, the options it sets (when it is valid),
    manifests to generate, and its problems."""

    __slots__ = ("manifests", "maps", "problems", "settings")

    def __init__(self, problems: Sequence[Problem] = ()) -> None:
        self.maps: list[ImageMap] = []
        self.settings = Settings()
        self.manifests: list[Manifests] = []
        self.problems = list(problems)


def add_imagemap(
    config: Config, obj: Mapping[str, Any], path: Sequence[str | int], valid: bool
) -> None:
    """Semantic checks of one ImageMap, on every field of the right type even when the
    schema check failed (so all problems are reported), then, if all is well, the map."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    assert isinstance(spec, dict) and isinstance(status, dict)
    before = len(config.problems)
    selector: Selector | TiltName | None = None
    if isinstance(spec.get("selector"), str) and spec["selector"]:
        ref = _parse(config, spec["selector"], [*path, "spec", "selector"], "selector")
        selector = None if ref is None else Selector(ref, exact=bool(spec.get("matchExact")))
    elif "spec" not in obj and valid:  # no spec: a variables-only ImageMap (TiltName)
        selector = TiltName(obj["metadata"]["name"])
    status_key = "imageFromCluster" if status.get("imageFromCluster") else "image"
    inject = None
    if isinstance(status.get(status_key), str) and status[status_key]:
        inject = _parse(config, status[status_key], [*path, "status", status_key], "image")
    if not valid or len(config.problems) > before or selector is None:
        return
    command, args = spec.get("overrideCommand"), spec.get("overrideArgs")
    disable = (spec.get("disableSource") or {}).get("configMap")
    config.maps.append(
        ImageMap(
            name=obj["metadata"]["name"],
            selector=selector,
            inject=inject,
            match_in_env_vars=bool(spec.get("matchInEnvVars")),
            override_command=None if command is None else tuple(command["command"]),
            override_args=None if args is None else tuple(args["args"]),
            disable_source=(disable["name"], disable["key"]) if disable else None,
            location=field_path(path),
            content=json.dumps({"spec": spec, "status": status}, sort_keys=True),
        )
    )


def _parse(config: Config, text: str, path: Sequence[str | int], what: str) -> Reference | None:
    try:
        return parse_normalized_named(text)
    except InvalidReferenceError as err:
        config.problems.append(
            Problem(field_path(path), f"invalid {what} {json.dumps(text)}: {err}")
        )
        return None
