"""Reading the input: bytes to text, text to documents, documents to positioned nodes.

The stream is split on `---` marker lines at column 0, where libyaml's scanner starts a
document too, so each document is composed on its own and its text can be copied through
untouched. A document's positions are relative to its own text. Documents that cannot
matter to the run are only syntax-checked with libyaml's event parser, which is several
times cheaper than composing nodes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import yaml
from yaml import MappingNode, Node, ScalarNode
from yaml.composer import ComposerError

from krm_fn import nodes, objects
from krm_fn.shared_anchors import ALIAS_NAME

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")

__all__ = ["BOM", "Document", "ReadError", "decode", "is_null", "split"]

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    raise SystemExit(
        "apply-imagemaps needs PyYAML built with libyaml (yaml._yaml cannot be imported); "
        "reinstall it from a wheel: pip install --force-reinstall --only-binary=:all: PyYAML"
    ) from None


class _Loader(CParser):
    """libyaml's parser and composer. Plain scalars are left unresolved (`nodes.PLAIN_TAG`)
    and resolved on demand by `nodes.tag_of`: a run looks at a few of them, not all."""

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return nodes.PLAIN_TAG if implicit[0] else nodes.STR_TAG
        return _MAP_TAG if kind is MappingNode else _SEQ_TAG

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"

BOM = "\ufeff"
# A document starts at a `---` at the start of a line (after any YAML line break: CR, LF,
# NEL, LS or PS, as libyaml reads them) followed by a blank, a line break or the end.
_BREAKS = "\r\n\x85\u2028\u2029"
_MARKER, _AFTER_MARKER = "---", " \t" + _BREAKS
# A line: its text and its break, any of those (CR LF is one).
_TEXT, _BREAK = f"[^{_BREAKS}]*", "(?:\r\n?|[\n\x85\u2028\u2029])"
_DIRECTIVE_COMMENT_OR_BLANK = f"(?:(?:%{_TEXT}|#{_TEXT}|[ \t]*){_BREAK})"
# Directives (`%YAML`, `%TAG`) after a `...` line belong to the next document, from the
# first of them, when only directives, comments and blank lines come between that line and
# the marker. Led by its literal, which `re` finds fast, then the `...` checked to start a
# line. Compiled when first used (by `re.compile`, which keeps it), as the next one: these
# classes of line breaks cost `re` a millisecond each to compile, which a run without
# directives need not pay.
_END_AND_DIRECTIVES = (
    f"\\.\\.\\.(?<![^{_BREAKS}]\\.\\.\\.)[ \t]*(?:#{_TEXT})?{_BREAK}"
    f"(?:(?:#{_TEXT}|[ \t]*){_BREAK})*(%){_TEXT}{_BREAK}{_DIRECTIVE_COMMENT_OR_BLANK}*\\Z"
)
# A stream that opens with directives: they belong to the first `---` document.
_DIRECTIVES_ONLY = f"%{_TEXT}{_BREAK}{_DIRECTIVE_COMMENT_OR_BLANK}*"
_BLANKS = re.compile("[ \t]*")
_DASHES = re.compile("-+")
# A line that is more than a bare `---` marker (a comment may follow it), a `...` marker,
# a comment or blank: content (see `Document.is_blank`).
_CONTENT = re.compile(r"^(?!---[ \t]*(?:#.*)?\r?$|\.\.\.|[ \t]*#|[ \t]*\r?$)", re.M)


class ReadError(ValueError):
    """Input that is not a YAML stream; the message names the document, line and column."""


class Document:
    """One document of the stream: its text, and the document before it (`first_line`
    counts the lines of those before it)."""

    __slots__ = ("_before", "_first_line", "index", "text")

    def __init__(self, index: int, text: str, before: Document | None) -> None:
        self.index, self.text, self._before = index, text, before
        self._first_line = None if before else 0

    @property
    def first_line(self) -> int:
        """The line of the stream this document starts on (0-based). Counted when first
        asked for (an error's position needs it), from the nearest document before it that
        knows its own: a run without errors counts no lines."""
        unknown = []
        doc = self
        while doc._first_line is None:
            unknown.append(doc)
            assert doc._before is not None, "the first document knows its line: 0"
            doc = doc._before
        line = doc._first_line
        for later in reversed(unknown):
            line += doc.text.count("\n")
            later._first_line = line
            doc = later
        return line

    def is_blank(self) -> bool:
        """Whether the text is only document markers, comments and blank lines: known
        without parsing, so the mode can be decided without composing every document
        (unlike `is_null`, which needs the node: `~` is not blank, but it is null)."""
        return _CONTENT.search(self.text) is None

    def label(self) -> str:
        source = objects.helm_source(self.text)
        return f"document {self.index + 1}" + (f" ({source})" if source else "")

    def compose(self) -> Node | None:
        """The document's root node (None for an empty document). Not kept: a large stream
        is processed one document at a time."""
        return self._run(_compose)

    def check_syntax(self) -> None:
        """Parse without composing: the same errors as `compose`, a fraction of the cost.
        libyaml parses the text alone, with no Python step per event (`_parse_in_c`),
        when no anchor or alias can be in it: none may start (`may_hold_anchor_or_alias`),
        or the text parses with an `@` for each `&` and `*` that might start one
        (`_parses_without`; an `@` starts no token, so at a real anchor or alias the
        parse fails, and elsewhere it changes nothing the parser reads but a scalar's
        content or a comment). Else the events are walked here too, for the composer's
        checks of anchors and aliases (`_parse`), the first error in the text raised."""
        if not may_hold_anchor_or_alias(self.text):
            self._run(_parse_in_c)
        elif not _parses_without(self.text):
            self._run(_parse)

    def _run(self, parse: Callable[[_Loader], _T]) -> _T:
        loader = _Loader(self.text)
        try:
            return parse(loader)
        except yaml.MarkedYAMLError as err:
            raise ReadError(self._describe(err)) from None
        except yaml.reader.ReaderError as err:
            raise ReadError(self._describe_character(err)) from None
        except yaml.YAMLError as err:
            raise ReadError(f"{self.label()}: {err}") from None
        except RecursionError:
            raise ReadError(f"{self.label()}: nesting is too deep") from None
        finally:
            loader.dispose()

    def _describe(self, err: yaml.MarkedYAMLError) -> str:
        """`document 2, line 9, column 1: found character '\\t' that cannot start any token
        (while scanning for the next token)`: positions in the whole stream, 1-based."""
        problem = err.problem or "invalid YAML"
        mark = err.problem_mark
        if mark is not None and problem.startswith("found character that"):
            problem = problem.replace("character", f"character {self.text[mark.index]!r}", 1)
        elif mark is not None and problem == "found undefined alias":  # libyaml's composer
            name = ALIAS_NAME.match(self.text, mark.index)
            problem += f" {name.group(1)!r}" if name else ""
        message = f"{self.label()}{self._at(mark)}: {problem}"
        if err.context:
            message += f" ({err.context}{self._at(err.context_mark, ' at')})"
        return message

    def _describe_character(self, err: yaml.reader.ReaderError) -> str:
        """`document 1, line 3, column 7: character U+0000 is not allowed in YAML`."""
        # libyaml reports a byte offset into the UTF-8 text it was given
        before = self.text.encode()[: err.position].decode(errors="replace")
        line = self.first_line + before.count("\n") + 1
        column = len(before) - before.rfind("\n")
        return (
            f"{self.label()}, line {line}, column {column}: character U+{err.character:04X} "
            f"is not allowed in YAML ({err.reason})"
        )

    def _at(self, mark: yaml.Mark | None, prefix: str = ",") -> str:
        if mark is None:
            return ""
        return f"{prefix} line {self.first_line + mark.line + 1}, column {mark.column + 1}"


def _compose(loader: _Loader) -> Node | None:
    """The root of the one document a split piece holds (None if it holds none)."""
    root = loader.get_node() if loader.check_node() else None
    assert not loader.check_node(), "a document marker the split missed"
    return root


# Where an anchor (`&a`) or alias (`*a`) may start: at the start, after a blank or line
# break (any YAML reads), a BOM, a flow indicator or `:`, with a name character after it
# (libyaml's names are ASCII letters, digits, `-` and `_`; any other character there is a
# syntax error, which libyaml alone reports). A superset (`*` in a plain scalar matches
# too): a match only costs time. One pattern per indicator, each led by its literal, which
# `re` finds fast (a pattern led by a choice is tried at every character: twenty times as
# slow on a large document).
_ANCHOR, _ALIAS = (
    re.compile(f"{mark}(?<![^ \t\r\n\x85\u2028\u2029\ufeff\\[{{,:]{mark})(?=[-\\w])", re.ASCII)
    for mark in ("&", "\\*")
)


def may_hold_anchor_or_alias(text: str) -> bool:
    """Whether an anchor or alias may start in `text` (see `_ANCHOR`)."""
    return _ANCHOR.search(text) is not None or _ALIAS.search(text) is not None


def _parses_without(text: str) -> bool:
    """Whether `text` parses with an `@` for each `&` and `*` that might start an anchor
    or alias: it then holds none, and parses as it is (see `Document.check_syntax`)."""
    loader = _Loader(_ALIAS.sub("@", _ANCHOR.sub("@", text)))
    try:
        loader.raw_parse()
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return True


def _parse_in_c(loader: _Loader) -> None:
    """Parse events in libyaml, none of them made into a Python object: the same syntax
    errors as `_parse`, for a text that holds no anchor or alias."""
    loader.raw_parse()


def _parse(loader: _Loader) -> None:
    """Parse events only, with the composer's own checks: every alias names an anchor
    defined before it, and no anchor is defined twice."""
    anchors: dict[str, Any] = {}
    while (event := loader.get_event()) is not None:
        anchor = getattr(event, "anchor", None)
        mark: Any = event.start_mark  # libyaml's marks are PyYAML's in all but name
        if isinstance(event, yaml.AliasEvent):
            if anchor not in anchors:
                raise ComposerError(None, None, f"found undefined alias {anchor!r}", mark)
        elif anchor is not None:
            if anchor in anchors:
                raise ComposerError(
                    "found duplicate anchor; first occurrence",
                    anchors[anchor],
                    "second occurrence",
                    mark,
                )
            anchors[anchor] = mark


def decode(data: bytes) -> tuple[str, str]:
    """(BOM or "", text) of UTF-8 input. Raises ReadError naming the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ReadError(
            f"input is not UTF-8: byte {err.start} (line {line}) is 0x{data[err.start]:02x}"
        ) from None
    if text.startswith(BOM):
        return BOM, text[1:]
    return "", text


def split(text: str) -> list[Document]:
    """The stream's documents; their texts joined give back `text` exactly. A document
    starts at a `---` at the start of a line (after any YAML line break: CR, LF, NEL, LS or
    PS, as libyaml reads them) followed by a blank, a line break or the end, or at the
    directives before it (`_directives_before`, `_only_directives`). The text is searched
    with `str.find` (a regular expression is several times slower on a large text); the
    line count of each document waits for an error that needs it (`Document.first_line`)."""
    starts = [0]
    at = text.find(_MARKER)
    while at >= 0:
        start = at
        if (not at or text[at - 1] in _BREAKS) and text[at + 3 : at + 4] in _AFTER_MARKER:
            start = _directives_before(text, starts[-1], start)
            if start > starts[-1] and not _only_directives(text, starts[-1], start):
                starts.append(start)
        dashes = _DASHES.match(text, at)  # no marker starts among them: a dash is before it
        assert dashes is not None
        at = text.find(_MARKER, dashes.end())
    starts.append(len(text))
    docs: list[Document] = []
    for begin, end in itertools.pairwise(starts):
        docs.append(Document(len(docs), text[begin:end], docs[-1] if docs else None))
    return docs


def _directives_before(text: str, begin: int, marker: int) -> int:
    """Where the next document starts, for a marker at `marker` in a document that starts
    at `begin`: at the marker, or at the first of the directives after the document's last
    `...` line (`_END_AND_DIRECTIVES`). Only a text whose last `%` may be in them is
    searched: the line after the one that holds it (the next after an LF, which always
    starts one) must be the marker's, a comment or blank."""
    last = text.rfind("%", begin, marker)
    if last < 0:
        return marker
    after = text.find("\n", last, marker) + 1
    if 0 < after < marker and text[after] != "#":
        blanks = _BLANKS.match(text, after, marker)
        assert blanks is not None
        if text[blanks.end()] not in _BREAKS:
            return marker
    tail = re.compile(_END_AND_DIRECTIVES).search(text, begin, marker)
    return tail.start(1) if tail else marker


def _only_directives(text: str, begin: int, end: int) -> bool:
    """Whether `text[begin:end]` is directives, comments and blank lines alone (the first
    a directive)."""
    return text.startswith("%", begin) and bool(
        re.compile(_DIRECTIVES_ONLY).fullmatch(text, begin, end)
    )


def is_null(node: Node | None) -> bool:
    """True for no node (a document of markers and comments) or a null scalar (`~`,
    `null`, an empty value): nothing there, as YAML reads it."""
    return node is None or (isinstance(node, ScalarNode) and nodes.tag_of(node) == nodes.NULL_TAG)
