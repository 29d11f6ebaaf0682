"""POSIX shell words, as `shlex.split` reads them, in linear time: `split("sh -c 'x y'")` is
`["sh", "-c", "x y"]` (the ConfigMap shorthand's `command` and `args`, `krm_fn.shorthand`)."""

from __future__ import annotations

import re

__all__ = ["split"]

# A shell word: plain characters, '...', "..." and backslash escapes, side by side; a whole
# text of words between blanks; the quoting in a word. Each alternative starts with its own
# character and reads on possessively: no backtracking, a scan is linear whatever the text.
_WORD = r"""(?:[^ \t\r\n'"\\]++|'[^']*+'|"(?:[^"\\]++|\\.)*+"|\\.)++"""
_WORDS = re.compile(rf"[ \t\r\n]*+(?:{_WORD}[ \t\r\n]*+)*+", re.S)
_ONE_WORD = re.compile(_WORD, re.S)
_QUOTING = re.compile(r"""'([^']*+)'|"((?:[^"\\]++|\\.)*+)"|\\(.)""", re.S)
_IN_DOUBLE = re.compile(r"""\\(["\\])""")  # in "...", a backslash escapes only these


def split(text: str) -> list[str] | None:
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
