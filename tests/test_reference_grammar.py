"""The reference grammar's regular expressions, against distribution/reference v0.6.0's own
tables (`regexp_test.go`, as data in ../shared/reference/upstream-tests)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from krm_fn import reference_grammar as grammar
from tests.conftest import corpus_file

HEX64 = "0123456789abcdef" * 4


def _table(name: str) -> list[dict[str, Any]]:
    path = corpus_file(
        "..", "reference", "upstream-tests", "distribution-reference", "tables-v0.6.0.json"
    )
    rows: list[dict[str, Any]] = json.loads(path.read_text())[name]["tables"]["tests"]
    assert rows, name
    return rows


def test_domain_regexp_table() -> None:
    """TestDomainRegexp: the domain before a path is captured whole, or nothing matches."""
    for row in _table("TestDomainRegexp"):
        match = grammar.REFERENCE.fullmatch(row["input"] + "/foo")
        assert (match is not None and match[1] == row["input"]) is row["match"], row


def test_full_name_regexp_table() -> None:
    """TestFullNameRegexp: a name alone, split into (domain, path) as Go's regexp splits it."""
    for row in _table("TestFullNameRegexp"):
        match = grammar.REFERENCE.fullmatch(row["input"])
        matched = match is not None and match[3] is None and match[4] is None
        assert matched is row["match"], row
        if match and "subs" in row:
            assert [match[1] or "", match[2]] == row["subs"], row


def test_reference_regexp_table() -> None:
    """TestReferenceRegexp: (name, tag, digest) of a whole reference."""
    for row in _table("TestReferenceRegexp"):
        match = grammar.REFERENCE.fullmatch(row["input"])
        assert (match is not None) is row["match"], row
        if match and "subs" in row:
            name = f"{match[1]}/{match[2]}" if match[1] else match[2]
            assert [name, match[3] or "", match[4] or ""] == row["subs"], row


def test_identifier_regexp_table() -> None:
    for row in _table("TestIdentifierRegexp"):
        assert (grammar.IDENTIFIER.fullmatch(row["input"]) is not None) is row["match"], row


@pytest.mark.parametrize(
    ("digest", "fits"),
    [
        ("sha256:" + HEX64, True),
        ("sha256+b64:abc=", True),
        ("a.b_c-d:x", True),
        ("SHA256:" + HEX64, False),  # go-digest's algorithm is lower case
        ("sha256:", False),
        ("sha256:a/b", False),
        ("sha256..x:a", False),
    ],
)
def test_go_digest_pattern(digest: str, fits: bool) -> None:
    assert (re.fullmatch(grammar.GO_DIGEST, digest) is not None) is fits


@pytest.mark.parametrize(("text", "fits"), [(HEX64, True), (HEX64.upper(), False), ("", False)])
def test_lower_hex(text: str, fits: bool) -> None:
    assert (re.fullmatch(grammar.LOWER_HEX, text) is not None) is fits


def test_non_ascii_never_matches() -> None:
    """re.ASCII: Go's classes, unlike Python's, hold no letters beyond ASCII."""
    assert grammar.REFERENCE.fullmatch("example.com/app:t\u00e0g") is None
    assert grammar.REFERENCE.fullmatch("example.com/app:x\u0660") is None
    assert grammar.REFERENCE.fullmatch("example.com/app:tag") is not None
