"""Anchored values that an alias uses (`&name` ... `*name`): text no edit may change.

An alias composes to the very node it names, so editing an anchored value that an alias
uses would change every use of it too (and replacing it whole would leave its aliases
naming nothing). `SharedAnchors` finds those values in one document's text, once, when first
asked: a run keeps one for the text it is working on.
"""

from __future__ import annotations

import re

from yaml import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from yaml._yaml import CParser

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

__all__ = ["SharedAnchors"]

# An anchor and an alias as libyaml reads them: names of ASCII letters, digits, `_` and `-`.
_ANCHOR = re.compile(r"&([\w-]+)", re.ASCII)
ALIAS_NAME = re.compile(r"\*([\w-]+)", re.ASCII)  # an alias and its name, as libyaml reads it


class SharedAnchors:
    """The anchored values of one text (one document, or a ResourceList's items) that an
    alias uses, found when first asked."""

    __slots__ = ("_spans", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._spans: tuple[tuple[int, int, str], ...] | None = None

    def shared(self, start: int, end: int) -> str | None:
        """The name of an anchored value that an alias uses whose text overlaps
        text[start:end], or None when there is none."""
        if self._spans is None:
            self._spans = _shared(self.text)
        return next((name for s, e, name in self._spans if s < end and start < e), None)


def _shared(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of each anchored node in `text` that an alias uses. The text is
    parsed (events only) just when some alias-like `*name` names an anchor defined in it,
    which is rare."""
    names = set(ALIAS_NAME.findall(text)) & set(_ANCHOR.findall(text))
    if not names:
        return ()
    parser = CParser(text)
    spans: dict[str, tuple[int, int]] = {}
    used: set[str] = set()
    starts: list[tuple[str | None, int]] = []  # the collections being read: anchor, start
    try:
        while (event := parser.get_event()) is not None:
            start, end = event.start_mark, event.end_mark
            assert start is not None and end is not None, "libyaml marks every event"
            at = start.index
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent):
                used.add(str(anchor))
            elif isinstance(event, CollectionStartEvent):
                starts.append((anchor, at))
            elif isinstance(event, CollectionEndEvent):
                anchor, at = starts.pop()
            if isinstance(event, CollectionEndEvent | ScalarEvent) and anchor in names:
                spans[str(anchor)] = at, end.index
    finally:
        parser.dispose()
    return tuple((*spans[name], name) for name in sorted(used & spans.keys()))
