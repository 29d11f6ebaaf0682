"""ImageMaps as values: what an ImageMap selects (`Selector`, `TiltName`), what it injects
(`ImageMap`), and the manifests a config names (`Manifests`).

These are frozen records, built only by the config loaders (`krm_fn.config_shapes`); matching
and injection read them and nothing else. `sanitize_name` is Tilt's ImageMap name for a
selector.
"""

from __future__ import annotations

import json

from krm_fn.locators import Locator
from krm_fn.records import Record
from krm_fn.reference import Reference

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["FN", "TILT", "ImageMap", "Manifests", "Selector", "TiltName", "sanitize_name"]

TILT = "tilt.dev/v1alpha1"
FN = "fn.apply-imagemaps.dev/v1alpha1"


class Selector(Record):
    """Which references an ImageMap replaces (Tilt S4).

    e.g. `Selector(parse_normalized_named("my-app"), exact=False)` matches
    `docker.io/library/my-app:dev`; with `exact=True` only `my-app` with no tag.
    """

    __slots__ = ("ref", "exact")

    def __init__(self, ref: Reference, exact: bool) -> None:
        self.ref: Final = ref
        self.exact: Final = exact

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
class TiltName(Record):
    """The selector of an ImageMap given without `spec` (Tilt's TILT_IMAGE_MAP_i names an
    ImageMap, and nothing more): the references Tilt would give that name (S1.6,
    `sanitize_name`): by their familiar name (an untagged build: Tilt matches the name) or
    their familiar string (a tagged build: Tilt matches it exactly).

    e.g. `TiltName("example.com_shop_api")` matches `example.com/shop/api:1.0`, and
    `TiltName("app:dev")` only `app:dev`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name: Final = name

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


class ImageMap(Record):
    """One ImageMap, ready to apply. `inject` is None when it has not been built."""

    __slots__ = (
        "name",
        "selector",
        "inject",
        "match_in_env_vars",
        "override_command",
        "override_args",
        "disable_source",
        "content",
        "location",
    )

    def __init__(
        self,
        name: str,
        selector: Selector | TiltName,
        inject: Reference | None,
        match_in_env_vars: bool = False,
        override_command: tuple[str, ...] | None = None,
        override_args: tuple[str, ...] | None = None,
        disable_source: tuple[str, str] | None = None,  # ConfigMap (name, key)
        content: str = "",  # canonical spec and status, to compare same-named maps
        location: str = "",  # where it sits in its config object, e.g. `items[2]`
    ) -> None:
        self.name: Final = name
        self.selector: Final = selector
        self.inject: Final = inject
        self.match_in_env_vars: Final = match_in_env_vars
        self.override_command: Final = override_command
        self.override_args: Final = override_args
        self.disable_source: Final = disable_source
        self.content: Final = content
        self.location: Final = location

    @property
    def injected(self) -> str:
        """The text written into the manifests: the familiar string (Tilt S5)."""
        assert self.inject is not None
        return self.inject.familiar_string()

    @property
    def has_override(self) -> bool:
        return self.override_command is not None or self.override_args is not None


class Manifests(Record):
    """Manifests to emit: inline YAML, or a file to read (`path`, relative to the working
    directory). `imagemaps` names the ImageMaps to apply, in order (a KubernetesApply's
    `spec.imageMaps`; None: all of them); `locators` are its own `spec.imageLocators`;
    `disable` its `spec.disableSource`: ConfigMap (name, key) pairs that disable it when
    all of them say true (Tilt's `configMap`, or else `everyConfigMap`)."""

    __slots__ = ("where", "text", "path", "imagemaps", "locators", "disable")

    def __init__(
        self,
        where: str,  # the config field it came from, e.g. `manifests[1]` or `spec.yaml`
        text: str | None = None,
        path: str | None = None,
        imagemaps: tuple[str, ...] | None = None,
        locators: tuple[Locator, ...] = (),
        disable: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.where: Final = where
        self.text: Final = text
        self.path: Final = path
        self.imagemaps: Final = imagemaps
        self.locators: Final = locators
        self.disable: Final = disable


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
