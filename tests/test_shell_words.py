"""Shell words: shlex's reading, in linear time (issue 13)."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn.shell_words import split
from tests.deadline import deadline

WORDS = [
    ("a  b\tc\r\nd", ["a", "b", "c", "d"]),
    ("a'b c'd", ["ab cd"]),
    ("'' \"\"", ["", ""]),
    ('"a\\"b\\\\c\\d"', ['a"b\\c\\d']),  # in "...", only \" and \\ are escapes
    ("\\'a\\ b\\\\", ["'a b\\"]),
    ("'it''s'", ["its"]),
    ("x\\\ny", ["x\ny"]),  # an escaped newline is kept (shlex, unlike sh)
    ("a#b # c", ["a#b", "#", "c"]),  # no comments
    ("é\u00a0ü\x0b", ["é\u00a0ü\x0b"]),  # only space, tab, CR and LF separate words
]


@pytest.mark.parametrize(("text", "words"), WORDS, ids=[w[0] for w in WORDS])
def test_words_as_shlex_reads_them(text: str, words: list[str]) -> None:
    assert split(text) == words == shlex.split(text)


@pytest.mark.parametrize("text", ["", " \t\r\n "])
def test_no_words(text: str) -> None:
    assert split(text) == []


@pytest.mark.parametrize("text", ["'open", '"open', 'a "b\\"', "end\\", '"end\\'])
def test_unclosed_is_none(text: str) -> None:
    with pytest.raises(ValueError):
        shlex.split(text)
    assert split(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\r\n'\"\\ab#é\x0b", max_size=40))
def test_split_reads_as_shlex_does(text: str) -> None:
    try:
        expected: list[str] | None = shlex.split(text)
    except ValueError:
        expected = None
    assert split(text) == expected


@pytest.mark.parametrize(
    ("text", "count", "first"),
    [
        ("run " * 250_000, 250_000, "run"),
        ("x" * 1_000_000, 1, "xxx"),  # shlex: quadratic in a word's length (1 MB: 19 s)
        ("'" + "x " * 500_000 + "'", 1, "x x"),
        ('"' + 'say \\"hi\\" ' * 90_000 + '"', 1, 'say "hi" say'),
        ("a\\ b " * 200_000, 200_000, "a b"),
        ("'" + "x" * 1_000_000, 0, None),  # unclosed: an error, at once
    ],
    ids=["words", "long-word", "single", "double", "escapes", "unclosed"],
)
def test_a_long_command_is_split_in_linear_time(text: str, count: int, first: str | None) -> None:
    with deadline(10):
        words = split(text)
    if first is None:
        assert words is None
        return
    assert words is not None and len(words) == count
    assert words[0].startswith(first)
