"""ImageMaps and the options a config sets: loaded from config objects, validated, as values.

Every config shape (SPEC §2) goes through the same steps, like kyaml's
`LoadFunctionConfig`: check it against its JSON Schema, then check what a schema cannot
say (a selector or status image that does not parse), gather every problem with its field
path, and only then build frozen values. Nothing downstream reads config keys.

Shapes, by apiVersion and kind:
- `tilt.dev/v1alpha1 ImageMap`; `tilt.dev/v1alpha1 ImageMapList`; `v1 List` of ImageMaps
  (an ImageMap without `spec` matches the images Tilt gives its name: `TiltName`);
- `v1 ConfigMap` shorthand: `data` keys `selector`, `image`, `name`, `matchExact`,
  `matchInEnvVars`, `command`, `args`, `pullPolicy`, `strict`, `catalog`, `anyImageKey`
  (kpt `-- key=value`);
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
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

import yaml

from krm_fn.locators import Locator, compile_locators
from krm_fn.options import Settings, settings
from krm_fn.reference import InvalidReferenceError, Reference, parse_normalized_named
from krm_fn.schema import Problem, Shape, check, field_path

__all__ = [
    "Config",
    "ImageMap",
    "Manifests",
    "Selector",
    "TiltName",
    "load",
    "sanitize_name",
]

TILT = "tilt.dev/v1alpha1"
FN = "fn.apply-imagemaps.dev/v1alpha1"


class Selector(NamedTuple):
    """Which references an ImageMap replaces (Tilt S4).

    e.g. `Selector(parse_normalized_named("my-app"), exact=False)` matches
    `docker.io/library/my-app:dev`; with `exact=True` only `my-app` with no tag.
    """

    ref: Reference
    exact: bool

    def matches(self, ref: Reference) -> bool:
        if self.exact:
            return str(ref) == str(self.ref)
        return ref.name == self.ref.name

    def describe(self) -> str:
        exact = ", matchExact" if self.exact else ""
        return f"selector {json.dumps(self.ref.familiar_string())}{exact}"

    def needle(self) -> str:
        """Text every spelling of a matching reference contains."""
        return self.ref.familiar_name()


# --- variables-only ImageMaps (Tilt mode, `krm_fn.tilt`) ------------------------------
class TiltName(NamedTuple):
    """The selector of an ImageMap given without `spec` (Tilt's TILT_IMAGE_MAP_i names an
    ImageMap, and nothing more): the references Tilt would give that name (S1.6,
    `sanitize_name`): by their familiar name (an untagged build: Tilt matches the name) or
    their familiar string (a tagged build: Tilt matches it exactly).

    e.g. `TiltName("example.com_shop_api")` matches `example.com/shop/api:1.0`, and
    `TiltName("app:dev")` only `app:dev`."""

    name: str

    def matches(self, ref: Reference) -> bool:
        return self.name in (
            sanitize_name(ref.familiar_name()),
            sanitize_name(ref.familiar_string()),
        )

    def describe(self) -> str:
        return f"no spec: the images Tilt names {json.dumps(self.name)}"

    def needle(self) -> str:
        """The longest part of the name that a matching reference spells out as it is (a
        `_` may stand for `/`; a name cut to the longest Tilt allows ends in a hash)."""
        kept = self.name[: _MAX_NAME - 9] if len(self.name) == _MAX_NAME else self.name
        return max(kept.split("_"), key=len)


# --- end of variables-only ImageMaps ---------------------------------------------------


class ImageMap(NamedTuple):
    """One ImageMap, ready to apply. `inject` is None when it has not been built."""

    name: str
    selector: Selector | TiltName
    inject: Reference | None
    match_in_env_vars: bool = False
    override_command: tuple[str, ...] | None = None
    override_args: tuple[str, ...] | None = None
    disable_source: tuple[str, str] | None = None  # ConfigMap (name, key)
    content: str = ""  # canonical spec and status, to compare same-named maps
    location: str = ""  # where it sits in its config object, e.g. `items[2]`

    @property
    def injected(self) -> str:
        """The text written into the manifests: the familiar string (Tilt S5)."""
        assert self.inject is not None
        return self.inject.familiar_string()

    @property
    def has_override(self) -> bool:
        return self.override_command is not None or self.override_args is not None


class Manifests(NamedTuple):
    """Manifests to emit: inline YAML, or a file to read (`path`, relative to the working
    directory). `imagemaps` names the ImageMaps to apply, in order (a KubernetesApply's
    `spec.imageMaps`; None: all of them); `locators` are its own `spec.imageLocators`;
    `disable` its `spec.disableSource`: ConfigMap (name, key) pairs that disable it when
    all of them say true (Tilt's `configMap`, or else `everyConfigMap`)."""

    where: str  # the config field it came from, e.g. `manifests[1]` or `spec.yaml`
    text: str | None = None
    path: str | None = None
    imagemaps: tuple[str, ...] | None = None
    locators: tuple[Locator, ...] = ()
    disable: tuple[tuple[str, str], ...] = ()


class Config:
    """What one config object contributed: maps, the options it sets (when it is valid),
    manifests to generate, and its problems."""

    __slots__ = ("manifests", "maps", "problems", "settings")

    def __init__(self, problems: Sequence[Problem] = ()) -> None:
        self.maps: list[ImageMap] = []
        self.settings = Settings()
        self.manifests: list[Manifests] = []
        self.problems = list(problems)


_MAX_NAME = 253  # Kubernetes' longest object name (a DNS-1123 subdomain)


def sanitize_name(selector: str) -> str:
    """Tilt's ImageMap name for a selector (S1.6, `apis.SanitizeName`): `gcr.io/foo` gives
    `gcr.io_foo`; a name longer than 253 characters is cut to 244, then `-` and the
    FNV-1a 32-bit hash of the selector in hex."""
    name = selector.replace("/", "_").replace("%", "_")
    if len(name) <= _MAX_NAME:
        return name
    digest = 0x811C9DC5
    for byte in selector.encode():
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{name[: _MAX_NAME - 9]}-{digest:08x}"


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
    _add_imagemap(config, obj, [], valid=not config.problems)
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
                _add_imagemap(config, item, ["items", index], valid=not problems)
        return config

    return load_list


def _load_apply(obj: dict[str, Any]) -> Config:
    config = Config(problems=check(Shape.APPLYIMAGEMAPS, obj))
    items = obj.get("imageMaps")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            valid = not check(Shape.IMAGEMAP, item)
            _add_imagemap(config, item, ["imageMaps", index], valid=valid)
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


# The ImageMap fields whose semantic problems the ConfigMap shorthand reports, and its keys.
_SHORTHAND_PATHS = {"spec.selector": "data.selector", "status.imageFromCluster": "data.image"}


def _load_configmap(obj: dict[str, Any]) -> Config:
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
    _add_imagemap(config, imagemap, [], valid=valid)
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
            return cast(list[str], value)
        return None
    return _shell_words(text)


# A shell word: plain characters, '...', "..." and backslash escapes, side by side; a whole
# text of words between blanks; the quoting in a word. Each alternative starts with its own
# character and reads on possessively: no backtracking, a scan is linear whatever the text.
_WORD = r"""(?:[^ \t\r\n'"\\]++|'[^']*+'|"(?:[^"\\]++|\\.)*+"|\\.)++"""
_WORDS = re.compile(rf"[ \t\r\n]*+(?:{_WORD}[ \t\r\n]*+)*+", re.S)
_ONE_WORD = re.compile(_WORD, re.S)
_QUOTING = re.compile(r"""'([^']*+)'|"((?:[^"\\]++|\\.)*+)"|\\(.)""", re.S)
_IN_DOUBLE = re.compile(r"""\\(["\\])""")  # in "...", a backslash escapes only these


def _shell_words(text: str) -> list[str] | None:
    """POSIX shell words, as `shlex.split(text)` reads them (no comments), in linear time
    (shlex adds a character at a time to a string attribute: quadratic on a long value).

    Words are split at runs of space, tab, CR and LF; `'...'` is literal; in `"..."` a
    backslash escapes only `"` and itself; elsewhere a backslash escapes any character;
    quotes join the text around them (`a'b c'd` is one word) and `''` is an empty word.
    None for an unclosed quote or a backslash at the end, where shlex raises ValueError."""
    if _WORDS.fullmatch(text) is None:
        return None
    return [
        _unquoted(word) if "'" in word or '"' in word or "\\" in word else word
        for word in _ONE_WORD.findall(text)
    ]


def _unquoted(word: str) -> str:
    # split() gives [text, '...', "...", \c, text, ...], None for a group that did not take
    # part; only the text of "..." has escapes left to read.
    parts = _QUOTING.split(word)
    parts[2::4] = [p and "".join(_IN_DOUBLE.split(p)) for p in parts[2::4]]
    return "".join(filter(None, parts))


def _add_imagemap(
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
    ("v1", "ConfigMap"): _load_configmap,
    (FN, "ApplyImageMaps"): _load_apply,
    (TILT, "KubernetesApply"): _load_kubernetes_apply,
}
