"""The `v1 ConfigMap` shorthand (kpt `-- key=value`): one ImageMap and the options, as `data`
strings.

`data` keys `selector`, `image`, `name`, `matchExact`, `matchInEnvVars`, `command`, `args`
(each a YAML flow list of strings or shell words), and the options `pullPolicy`, `strict`,
`catalog`, `anyImageKey`. The ImageMap is built as any other is (`krm_fn.config`), its
problems named by the `data` key they came from.
"""

from __future__ import annotations

import yaml

from krm_fn.config import Config, add_imagemap
from krm_fn.imagemap import sanitize_name
from krm_fn.options import settings
from krm_fn.schema import Problem, Shape, check

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["load_configmap"]


# The ImageMap fields whose semantic problems the ConfigMap shorthand reports, and its keys.
_SHORTHAND_PATHS = {"spec.selector": "data.selector", "status.imageFromCluster": "data.image"}


def load_configmap(obj: dict[str, Any]) -> Config:
    """The shorthand's ImageMap and, when all is well, its settings; no `data`, no config."""
    if not obj.get("data"):  # kpt sends an empty `function-input` ConfigMap with no args
        return Config()
    config = Config(problems=check(Shape.CONFIGMAP, obj))
    valid = not config.problems
    data: dict[str, Any] = obj["data"] if isinstance(obj["data"], dict) else {}
    spec: dict[str, Any] = {"selector": data.get("selector")}
    for key in ("matchExact", "matchInEnvVars"):
        if key in data:
            spec[key] = data[key] == "true"
    for key, override in (("command", "overrideCommand"), ("args", "overrideArgs")):
        if isinstance(data.get(key), str):
            words = _words(data[key])
            if words is None:
                config.problems.append(
                    Problem(f"data.{key}", "expected a YAML flow list of strings or shell words")
                )
            else:
                spec[override] = {key: words}
    selector = data.get("selector")
    imagemap = {
        "metadata": {"name": data.get("name") or sanitize_name(str(selector))},
        "spec": spec,
        "status": {"imageFromCluster": data.get("image")},
    }
    before = len(config.problems)
    add_imagemap(config, imagemap, [], valid=valid)
    config.problems[before:] = [
        Problem(_SHORTHAND_PATHS.get(p.path, p.path), p.message) for p in config.problems[before:]
    ]
    if not config.problems:
        config.settings = settings(data)
    return config


def _words(text: str) -> list[str] | None:
    """A flow list (`["sh", "-c", "x y"]`) or shell words (`sh -c 'x y'`); None if neither."""
    if text.lstrip().startswith("["):
        try:
            value = yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None
    from krm_fn import shell_words  # imported on first use: most runs have no shorthand

    return shell_words.split(text)
