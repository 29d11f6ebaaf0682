"""The prefilter: which stream documents must be composed, read from their text alone.

A document is composed when it can hold something to rewrite or report (`wanted`); the
others are only syntax-checked, in libyaml. Each test errs on the side of composing: a
document left uncomposed is one whose composed node would have given nothing.

CustomResourceDefinitions are never searched (`locate.is_crd`), but their schemas say
"image" throughout, and they are the bulk of many charts. `certainly_crd` knows one from its
text when the text leaves no doubt what its root's `kind` and `apiVersion` are; any text it
cannot be sure of is composed, and the node decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from krm_fn import objects
from krm_fn.imagemap import ImageMap

__all__ = ["certainly_crd", "needles", "wanted"]


def needles(usable: Iterable[ImageMap]) -> set[str]:
    """Text every spelling of a matching reference contains: the familiar names."""
    out = set()
    for m in usable:
        assert m.inject is not None
        out |= {m.selector.needle(), m.inject.familiar_name()}
    return out


def wanted(text: str, found: set[str]) -> bool:
    """Whether a document must be composed: its Helm file is named by Helm 4's annotation
    (read from the node), or it can hold an image field or a reference (the word `image`,
    or one of the `found` needles) and is not certainly a CRD."""
    if objects.helm4_only(text):
        return True
    return ("image" in text or any(n in text for n in found)) and not certainly_crd(text)


# What `certainly_crd` reads. Lines are split at LF only: a text holding any other break
# YAML knows (CR, NEL, LS, PS) or a BOM is composed.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029", "\ufeff")
# A line of content at column 0 (not blank, not indented, not a comment).
_AT_COLUMN_0 = re.compile(r"\n[^ \t\n#][^\n]*")
# A plain key and its `:` (a blank or the line's end after it): the only content a line at
# column 0 may hold, but a first `---`, so that the root is a block mapping of these keys.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*:(?: |\Z)")
# What may come before the first key: blank lines, comments and a bare `---` marker.
_PREAMBLE = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n|--- *(?:#[^\n]*)?\n)*")
_KIND = re.compile(r"kind: +CustomResourceDefinition(?: +#.*| *)")
_API_VERSION = re.compile(r"apiVersion: +apiextensions\.k8s\.io/[^\s#]*(?: +#.*| *)")
# A plain value continued on a later line: the next line that is not blank is indented.
_CONTINUED = re.compile(r"\n(?:[ \t]*\n)*[ \t]")
# Where a quoted scalar or a flow collection may start (at a line's start or after a blank:
# after a tag or an anchor libyaml wants a blank too) and does not end as `certainly_crd`
# requires: a quoted scalar closed before any line at column 0 (its inner lines indented,
# so no line at column 0 is inside it), a flow collection flat, on one line, with no
# comment (whose `]` would not close it). Each pattern is led by its literal, which `re`
# finds fast; the quantifiers are possessive, so that `''` (a quote in a single-quoted
# scalar) is never read as the closing quote.
_OPEN_FLOW = tuple(
    re.compile(f"{start}(?<![^ \\t\\n]{start})(?!{rest})")
    for start, rest in (
        ("'", r"(?:[^'\n]|''|\n(?=[ \t\n]))*+'"),
        ('"', r'(?:[^"\\\n]|\\[^\n]|\\?\n(?=[ \t\n]))*+"'),
        (r"\[", r"[^\n\[\]{}\"'#]*+\]"),
        (r"\{", r"[^\n\[\]{}\"'#]*+\}"),
    )
)


def certainly_crd(text: str) -> bool:
    """Whether a document's text (one document, whose syntax libyaml accepts) is certainly
    a CustomResourceDefinition, as `locate.is_crd` reads its node: its root is a block
    mapping whose keys are the plain keys at column 0 (every line there is one, or a comment
    or the `---` marker, and no quoted scalar or flow collection reaches column 0: only one
    that starts before the last of those lines can, so the text after it is not searched),
    and of those keys exactly one is `kind`, with the plain value `CustomResourceDefinition`,
    and one is `apiVersion`, with a plain value `apiextensions.k8s.io/...`, neither value
    going on to a later line. False when in doubt."""
    if "kind: CustomResourceDefinition" not in text or any(c in text for c in _OTHER_BREAKS):
        return False
    kind = api_version = 0
    keys = False
    start = 0
    for match in _AT_COLUMN_0.finditer("\n" + text):  # positions in `text` are one less
        line, start = match.group()[1:], match.start()
        if not keys and line.startswith("---"):
            continue  # the marker: `_PREAMBLE` checks it with the rest before the first key
        if not _PLAIN_KEY.match(line):
            return False
        if not keys and not _PREAMBLE.fullmatch(text, 0, start):
            return False
        keys = True
        if line.startswith(("kind:", "apiVersion:")):
            value = _KIND if line[0] == "k" else _API_VERSION
            if not value.fullmatch(line) or _CONTINUED.match(text, match.end() - 1):
                return False
            kind += line[0] == "k"
            api_version += line[0] == "a"
    # Only what starts before the last line at column 0 can reach one: the rest, most of a
    # CRD (its `spec`), is not searched.
    if any(pattern.search(text, 0, start) for pattern in _OPEN_FLOW):
        return False
    return kind == 1 and api_version == 1
