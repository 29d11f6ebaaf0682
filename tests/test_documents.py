"""Reading the input (krm_fn.documents): bytes to text, the split into documents, and the
errors that name a document, line and column in the whole stream."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterable

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn import documents
from krm_fn.documents import BOM, ReadError


def test_decode_keeps_the_bom_apart() -> None:
    assert documents.decode(b"a: 1\n") == ("", "a: 1\n")
    assert documents.decode(BOM.encode() + b"a: 1\n") == (BOM, "a: 1\n")


def test_decode_names_the_first_bad_byte_and_its_line() -> None:
    with pytest.raises(ReadError) as err:
        documents.decode(b"a: 1\nb: \xff\n")
    assert str(err.value) == "input is not UTF-8: byte 8 (line 2) is 0xff"


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("a: 1\n---\nb: 2\n", ["a: 1\n", "---\nb: 2\n"]),
        # a marker line with content, and `----` (no marker) and `a: ---` (not at column 0)
        ("a: ---\n---\n----\n--- c\n", ["a: ---\n", "---\n----\n", "--- c\n"]),
        # every YAML line break starts a line: CR, LS
        ("a\r---\rb\u2028---\u2028c", ["a\r", "---\rb\u2028", "---\u2028c"]),
        # directives after `...` belong to the next document, and opening ones to the first
        ("a\n...\n%YAML 1.1\n---\nb\n", ["a\n...\n", "%YAML 1.1\n---\nb\n"]),
        ("%YAML 1.1\n---\nb\n---\nc", ["%YAML 1.1\n---\nb\n", "---\nc"]),
        # ... from the first directive line: a comment before it (a `%` in it) stays
        ("a\n...\n# 9%\n%YAML 1.1\n---\nb\n", ["a\n...\n# 9%\n", "%YAML 1.1\n---\nb\n"]),
        ("a\n...\n# 9%\n---\nb\n", ["a\n...\n# 9%\n", "---\nb\n"]),
        ("", [""]),
    ],
)
def test_split_at_marker_lines_gives_the_text_back(text: str, pieces: list[str]) -> None:
    docs = documents.split(text)
    assert [d.text for d in docs] == pieces
    assert "".join(d.text for d in docs) == text
    assert [d.index for d in docs] == list(range(len(pieces)))


_LINES = st.sampled_from(
    [
        *("---", "--- a", "---\t# c", "----", "...", "... # e", "....", "...\r\n%YAML 1.1"),
        *("...\u2028%TAG ! !x-", "...\r# 9%\r%YAML 1.1", "...\n%YAML 1.1\x85%TAG ! !x-"),
        *("# c", "# 9%", "", " ", "a", "a: 1", "- b", "  c", "a: ---", "x: |", "'q", "q'"),
    ]
)
_LINE_BREAKS = st.sampled_from(["\n", "\n", "\n", "\r", "\r\n", "\x85", "\u2028", "\u2029"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(_LINES, _LINE_BREAKS), max_size=12))
def test_each_piece_is_one_of_the_documents_libyaml_reads(lines: list[tuple[str, str]]) -> None:
    """Wherever libyaml reads the stream, the split gives its documents one to a piece,
    the pieces counted from 0 and their first lines those of the stream. Directives follow
    a `...` line (libyaml reads them after a document without one too, but the split leaves
    those in that document, where they are an error)."""
    text = "".join(line + brk for line, brk in lines)
    try:
        stream = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return
    docs = documents.split(text)
    assert "".join(d.text for d in docs) == text
    assert [d.index for d in docs] == list(range(len(docs)))
    held = [_starts(yaml.parse(d.text, Loader=yaml.CSafeLoader)) for d in docs]
    assert all(n <= 1 for n in held)
    assert sum(held) == _starts(stream)
    offsets = itertools.accumulate((len(d.text) for d in docs), initial=0)
    assert [d.first_line for d in docs] == [text.count("\n", 0, at) for at in offsets][:-1]


def _starts(events: Iterable[yaml.Event]) -> int:
    return sum(isinstance(e, yaml.DocumentStartEvent) for e in events)


def test_a_document_knows_its_first_line() -> None:
    docs = documents.split("a: 1\nb: 2\n---\nc: 3\n---\n")
    assert [d.first_line for d in docs] == [0, 2, 4]


@pytest.mark.parametrize(
    ("text", "blank", "null"),
    [
        ("--- # a comment\n# another\n\n", True, True),
        ("---\n~\n", False, True),  # text, but YAML's null
        ("---\nnull # c\n", False, True),
        ("--- a\n", False, False),  # content on the marker line
        ("---\n'null'\n", False, False),  # a string
        ("---\na: 1\n", False, False),
    ],
)
def test_blank_is_read_from_the_text_null_from_the_node(text: str, blank: bool, null: bool) -> None:
    """`is_blank` decides the mode without composing; `is_null` needs the node."""
    (doc,) = documents.split(text)
    assert doc.is_blank() is blank
    assert documents.is_null(doc.compose()) is null


def test_label_names_the_helm_template() -> None:
    docs = documents.split("a: 1\n---\n# Source: chart/templates/web.yaml\nb: 2\n")
    assert [d.label() for d in docs] == ["document 1", "document 2 (chart/templates/web.yaml)"]


@pytest.mark.parametrize("read", ["compose", "check_syntax"])
def test_errors_name_the_document_and_the_position_in_the_stream(read: str) -> None:
    docs = documents.split("a: 1\n---\nb:\n\tc\n")
    with pytest.raises(ReadError) as err:
        getattr(docs[1], read)()
    assert str(err.value) == (
        "document 2, line 4, column 1: found character '\\t' that cannot start any token "
        "(while scanning for the next token at line 4, column 1)"
    )


@pytest.mark.parametrize("read", ["compose", "check_syntax"])
def test_the_syntax_check_finds_what_the_composer_finds(read: str) -> None:
    """Anchors and aliases are checked by the event parser too, without composing."""
    (twice,) = documents.split("a: &x 1\nb: &x 2\n")
    with pytest.raises(ReadError) as err:
        getattr(twice, read)()
    assert str(err.value) == (
        "document 1, line 2, column 4: second occurrence (found duplicate anchor; first "
        "occurrence at line 1, column 4)"
    )
    (undefined,) = documents.split("---\n# Source: c/t.yaml\na: *x\n")
    with pytest.raises(ReadError, match=r"^document 1 \(c/t.yaml\), line 3, column 4: found "):
        getattr(undefined, read)()


def test_a_character_yaml_does_not_allow_is_named_with_its_position() -> None:
    docs = documents.split('a: 1\n---\nb: "x\x00"\n')
    with pytest.raises(ReadError) as err:
        docs[1].compose()
    assert str(err.value) == (
        "document 2, line 3, column 6: character U+0000 is not allowed in YAML "
        "(control characters are not allowed)"
    )


def test_too_deep_a_document_is_an_error_naming_where() -> None:
    (doc,) = documents.split("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ReadError) as err:
        doc.compose()
    assert str(err.value) == (
        "document 1, line 1, column 1001: exceeded maximum nesting depth (while increasing "
        "flow level at line 1, column 1001)"
    )


def test_composing_leaves_the_garbage_collector_as_it_is() -> None:
    """Start-up settings belong to the entry point: reading sets none of them."""
    (doc,) = documents.split("a: [1, 2, {b: c}]\n")
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    doc.compose()
    doc.check_syntax()
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)


# Texts where an anchor or alias starts after each kind of character that may precede one
# (a line start, a blank, each YAML line break, a BOM, a flow indicator, `:`), each with an
# undefined alias the syntax check must find whichever parser it uses.
UNDEFINED_ALIASES = [
    "*x\n",
    "a: *x\n",
    "a:\t*x\n",
    "a: 1\r*x: 2\n",
    "a: 1\x85*x: 2\n",
    "a: 1\u2028*x: 2\n",
    "a: 1\u2029*x: 2\n",
    "\ufeff*x\n",
    "a: [1,*x]\n",
    "a: [*x]\n",
    "a: {*x: 1}\n",
    '{"a":*x}\n',
]


@pytest.mark.parametrize("text", UNDEFINED_ALIASES)
def test_an_alias_is_checked_wherever_it_can_start(text: str) -> None:
    (doc,) = documents.split(text)
    with pytest.raises(ReadError, match="found undefined alias 'x'"):
        doc.check_syntax()


@pytest.mark.parametrize(
    "text",
    [
        "a: b\n  c\nd: [1, 2\n",  # a flow sequence never closed
        "a:\tb\n\t- c\n",  # a tab where a token starts
        'a: "x\x01"\n',  # a character YAML does not allow
        "a: 'x\n",  # a quoted scalar never closed
        "a: 1\n b: 2\n",  # a mapping where a scalar was
        "a: x*y\nb: [\n",  # `*` inside a plain scalar, then a bad flow sequence
        "a: &\u00e9 x\n",  # an anchor name of a character libyaml does not allow in one
        "a: [*.x]\n",  # an alias name likewise
    ],
)
def test_a_text_with_no_anchor_is_checked_in_libyaml_alone_with_the_same_errors(
    text: str,
) -> None:
    """No anchor or alias can start in these texts, so libyaml parses them alone (no Python
    step per event); their errors are those of the Python event walk, word for word."""
    assert not documents.may_hold_anchor_or_alias(text)
    messages = []
    for parse in (documents._parse_in_c, documents._parse):
        (doc,) = documents.split(text)
        with pytest.raises(ReadError) as err:
            doc._run(parse)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


_BEFORE = " \t\r\n\x85\u2028\u2029\ufeff[{,:"  # what may come before `&` or `*`
_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"  # libyaml's


def _anchor_or_alias_at(text: str, i: int) -> bool:
    return (
        text[i] in "&*"
        and (i == 0 or text[i - 1] in _BEFORE)
        and i + 1 < len(text)
        and text[i + 1] in _NAME
    )


@given(st.text(alphabet=_BEFORE + "&*aZ9-_.#'\"\u00e9]}", max_size=12))
def test_may_hold_anchor_or_alias_is_the_rule_at_any_position(text: str) -> None:
    """An `&` or `*` at the start or after a blank, a break, a BOM, `[`, `{`, `,` or `:`,
    and followed by a character of a libyaml name: the rule, character by character."""
    expected = any(_anchor_or_alias_at(text, i) for i in range(len(text)))
    assert documents.may_hold_anchor_or_alias(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "description: |\n  This is an *experimental feature\n",  # markdown in a block scalar
        "a: 'see *b and &c'\nd: \"*e\"\n",  # in quoted scalars
        "a: x *b\n  *c\n",  # inside a plain scalar, on its next line too
        "a: 1 # *b &c\n",  # in a comment
    ],
)
def test_an_asterisk_or_ampersand_that_starts_nothing_needs_no_event_walk(text: str) -> None:
    """The text still parses with `@` for them: no anchor or alias is there, and libyaml's
    parse alone is the whole check."""
    assert documents.may_hold_anchor_or_alias(text)
    assert documents._parses_without(text)
    (doc,) = documents.split(text)
    doc.check_syntax()


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: [&x 1]\n", "? &k a\n: b\n"])
def test_a_real_anchor_or_alias_fails_the_parse_with_at_signs(text: str) -> None:
    assert not documents._parses_without(text)


_FRAGMENTS = st.sampled_from(
    [
        *("a:", " ", "\n", "  ", "- ", "&x", "&y", "*x", "*y", "|", "'", '"'),
        *("[", "]", "{", "}", ",", "#", "b", ": ", "*x *y", "\n  *x", "&x a\n"),
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=14))
def test_the_syntax_check_fails_exactly_when_composing_does(parts: list[str]) -> None:
    """Whatever the text, `check_syntax` raises what `compose` raises, or nothing when it
    composes."""
    docs = documents.split("".join(parts) + "\n")
    if len(docs) != 1:
        return
    (doc,) = docs
    try:
        doc.compose()
        expected = None
    except ReadError as err:
        expected = str(err)
    try:
        doc.check_syntax()
        got = None
    except ReadError as err:
        got = str(err)
    assert got == expected
