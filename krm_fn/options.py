"""The run's options: what each config source sets, and the one record they make.

Each config object that is valid gives its `Settings` (None: it does not set that one).
`merge` makes the run's `Options` from them: for each option, the first source (in the
order the run reads them: functionConfig, `--imagemaps` files, items or documents) that
sets it wins; `--strict` on the command line makes the run strict whatever they say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from krm_fn import locators
from krm_fn.locators import Locator
from krm_fn.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeVar

    _T = TypeVar("_T")

__all__ = ["Options", "PullPolicy", "Settings", "merge", "settings"]


class PullPolicy(StrEnum):
    """Which containers get `imagePullPolicy: IfNotPresent` (ApplyImageMaps.pullPolicy)."""

    MATCHED = "matched"  # containers whose image was injected (default)
    ALL = "all"  # every container of every pod spec: Tilt's blanket rule (S9)
    PRESERVE = "preserve"  # never touched


class Settings(Record):
    """The options one config object sets; None where it does not set one."""

    __slots__ = ("pull_policy", "strict", "locators", "catalog", "any_image_key")

    def __init__(
        self,
        pull_policy: PullPolicy | None = None,
        strict: bool | None = None,
        locators: tuple[Locator, ...] | None = None,  # ApplyImageMaps.imageLocators
        catalog: bool | None = None,
        any_image_key: bool | None = None,
    ) -> None:
        self.pull_policy: Final = pull_policy
        self.strict: Final = strict
        self.locators: Final = locators
        self.catalog: Final = catalog
        self.any_image_key: Final = any_image_key


class Options(Record):
    """The run's options, from the config and the command line."""

    __slots__ = ("pull_policy", "strict", "locators", "any_image_key")

    def __init__(
        self,
        pull_policy: PullPolicy = PullPolicy.MATCHED,
        strict: bool = False,
        locators: tuple[Locator, ...] = (),  # the user's, then the catalog's when it is on
        any_image_key: bool = False,
    ) -> None:
        self.pull_policy: Final = pull_policy
        self.strict: Final = strict
        self.locators: Final = locators
        self.any_image_key: Final = any_image_key


def settings(data: Mapping[str, Any], found: tuple[Locator, ...] | None = None) -> Settings:
    """The options a schema-valid config sets: ApplyImageMaps' fields, or the ConfigMap
    shorthand's `data` (whose booleans are the strings "true" and "false"); `found`: the
    locators it compiled."""

    def flag(key: str) -> bool | None:
        return data[key] in (True, "true") if key in data else None

    return Settings(
        pull_policy=PullPolicy(data["pullPolicy"]) if "pullPolicy" in data else None,
        strict=flag("strict"),
        locators=found,
        catalog=flag("catalog"),
        any_image_key=flag("anyImageKey"),
    )


def merge(sources: Sequence[Settings], strict: bool) -> Options:
    """The run's options: each the first source's that sets it, else its default."""
    catalog = _first(s.catalog for s in sources)
    return Options(
        pull_policy=_first(s.pull_policy for s in sources) or PullPolicy.MATCHED,
        strict=strict or bool(_first(s.strict for s in sources)),
        locators=(
            *(_first(s.locators for s in sources) or ()),
            *(locators.catalog() if catalog in (None, True) else ()),
        ),
        any_image_key=bool(_first(s.any_image_key for s in sources)),
    )


def _first(values: Iterable[_T | None]) -> _T | None:
    return next((v for v in values if v is not None), None)
