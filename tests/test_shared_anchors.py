"""Anchored values an alias uses (krm_fn.shared_anchors): the text no edit may change."""

from __future__ import annotations

import pytest

from krm_fn.shared_anchors import SharedAnchors


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("a: &x v\nb: *x\n", "x"),
        ("a: &x v\nb: '*x'\n", None),  # in a string: not an alias
        ("a: &x v\nb: 1 # *x\n", None),  # in a comment
        ("a: &x v\nb: &y w\nc: *y\n", None),  # another anchor's alias
        ("a: &x {k: v}\nb: *x\n", "x"),  # a collection: every node in it
        ("a: &x [w, v]\nb: [*x]\n", "x"),  # an alias in a flow sequence
        ("a: &x-1 v\nb: *x-1\n", "x-1"),  # names with a dash
        ("a: &x v\nb: *xy\n", None),  # another name that starts alike
    ],
)
def test_shared(text: str, shared: str | None) -> None:
    start = text.index("v")
    assert SharedAnchors(text).shared(start, start + 1) == shared


def test_spans_overlap_the_range_asked() -> None:
    text = "a: &x {k: v}\nb: *x\nc: d\n"
    anchors = SharedAnchors(text)
    start, end = text.index("&"), text.index("}") + 1  # a collection's span: from its anchor
    assert anchors.shared(start - 1, start) is None  # just before it
    assert anchors.shared(start, start + 1) == "x"
    assert anchors.shared(end, end + 1) is None  # just after it
    assert anchors.shared(end - 1, end) == "x"
    assert anchors.shared(0, len(text)) == "x"  # a range around it
    assert anchors.shared(text.index("d"), len(text)) is None


def test_the_innermost_and_outer_anchor_both_count() -> None:
    text = "a: &out {k: &in v}\nb: *in\nc: *out\n"
    start = text.index("v")
    assert SharedAnchors(text).shared(start, start + 1) == "in"  # the first, by name


def test_the_text_is_kept_and_read_when_first_asked() -> None:
    text = "a: &x v\nb: *x\n"
    anchors = SharedAnchors(text)
    assert anchors.text is text
    assert anchors.shared(0, 1) is None
    assert anchors.shared(text.index("v"), text.index("v") + 1) == "x"
