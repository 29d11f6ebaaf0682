"""A run's ImageMaps indexed by what they can match, so that each image field meets only
the maps that can match it, however many maps there are.

A map matches a reference when its selector does (by name, or with `matchExact` the
whole reference), or when the reference already is the map's injected one: so a map is
found under its selector's name and under its injected reference. The maps keep their
order (S11): `first` gives the next one from a place in the list on. `leading_to` gives the
maps whose injected reference the later maps turn into a given one (a chain of maps).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from krm_fn.imagemap import ImageMap, TiltName, sanitize_name
from krm_fn.reference import InvalidReferenceError, Reference, parse_normalized_named

__all__ = ["MapIndex", "References"]


class References:
    """The references strings hold, parsed once each: the same images recur a lot."""

    __slots__ = ("_parsed",)

    def __init__(self) -> None:
        self._parsed: dict[str, Reference | None] = {}

    def parse(self, value: str | None) -> Reference | None:
        """The reference `value` holds (normalized), or None when it holds none."""
        if value is None:
            return None
        if value not in self._parsed:
            try:
                self._parsed[value] = parse_normalized_named(value)
            except InvalidReferenceError:
                self._parsed[value] = None
        return self._parsed[value]


class MapIndex:
    """ImageMaps in order (`maps`), by selector name and by injected reference."""

    __slots__ = (
        "_by_injected",
        "_by_name",
        "_by_tilt_name",
        "_ends",
        "_found",
        "env",
        "maps",
        "refs",
    )

    def __init__(self, maps: Sequence[ImageMap], refs: References) -> None:
        self.maps = tuple(maps)
        self.refs = refs
        self.env = any(m.match_in_env_vars for m in self.maps)  # whether env values count
        self._by_name: dict[str, list[int]] = {}
        self._by_injected: dict[str, list[int]] = {}
        self._by_tilt_name: dict[str, list[int]] = {}  # variables-only maps (`TiltName`)
        for index, m in enumerate(self.maps):
            assert m.inject is not None  # only built maps are applied
            if isinstance(m.selector, TiltName):
                self._by_tilt_name.setdefault(m.selector.name, []).append(index)
            else:
                self._by_name.setdefault(m.selector.ref.name, []).append(index)
            self._by_injected.setdefault(str(m.inject), []).append(index)
        # (value, env values only) -> the indexes of the maps that match the value, in order
        self._found: dict[tuple[str | None, bool], tuple[int, ...]] = {}
        self._ends: dict[str, list[int]] | None = None  # see `leading_to`

    def final(self, value: str | None) -> int:
        """The index of the last map whose injected reference `value` holds, or -1."""
        ref = self.refs.parse(value)
        if ref is None:
            return -1
        found = self._by_injected.get(str(ref))
        return found[-1] if found else -1

    def leading_to(self, value: str | None) -> list[int]:
        """The indexes of the maps before the last one whose injected reference `value`
        holds that lead to it: an image field holding a map's injected reference, run
        through the maps after it, ends as `value`."""
        ref = self.refs.parse(value)
        if ref is None or str(ref) not in self._by_injected:
            return []  # no map injects it (the chain ends are worked out when one does)
        if self._ends is None:
            self._ends = self._chain_ends()
        return self._ends[str(ref)][:-1]

    def _chain_ends(self) -> dict[str, list[int]]:
        """The maps in order under each injected reference their chain ends as (what
        their injected reference ends as after the maps after them), worked out from the
        last map back. A chain ends in a map that no later map matches, so one that ends
        as R ends in the last map that injects R (a later one would match R): when that
        map ends a chain, it is the last under R."""
        ends: dict[int, str] = {}
        for at in reversed(range(len(self.maps))):
            injected = str(self.maps[at].inject)
            later = self.first(injected, at + 1)
            ends[at] = injected if later is None else ends[later]
        found: dict[str, list[int]] = {injected: [] for injected in self._by_injected}
        for at in range(len(self.maps)):
            found[ends[at]].append(at)
        return found

    def first(self, value: str | None, start: int, env: bool = False) -> int | None:
        """The index of the first map from `start` on that matches the reference `value`
        holds (with `env`, of the maps with matchInEnvVars only), or None."""
        key = (value, env)
        if key not in self._found:
            self._found[key] = self._matching(value, env)
        found = self._found[key]
        at = bisect.bisect_left(found, start)
        return found[at] if at < len(found) else None

    def _matching(self, value: str | None, env: bool) -> tuple[int, ...]:
        ref = self.refs.parse(value)
        if ref is None:
            return ()
        text = str(ref)
        near = {*self._by_name.get(ref.name, ()), *self._by_injected.get(text, ())}
        if self._by_tilt_name:  # rare: the familiar spellings are worked out for them only
            for spelling in (ref.familiar_name(), ref.familiar_string()):
                near.update(self._by_tilt_name.get(sanitize_name(spelling), ()))
        return tuple(
            index
            for index in sorted(near)
            if (self.maps[index].selector.matches(ref) or text == str(self.maps[index].inject))
            and (self.maps[index].match_in_env_vars or not env)
        )
