"""New scalars: plain when safe, quoted when YAML 1.1 or 1.2 would read something else."""

from __future__ import annotations

import pytest
import yaml

from krm_fn.edits import render_scalar


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("nginx", "nginx"),
        ("localhost:5000/app:tilt-1", "localhost:5000/app:tilt-1"),
        ("--dry-run=false", "--dry-run=false"),
        ("-c", "-c"),
        ("yes", '"yes"'),
        ("on", '"on"'),
        ("1.10", '"1.10"'),
        ("0e12", '"0e12"'),
        ("1:20", '"1:20"'),
        ("0o17", '"0o17"'),
        ("2001-01-01", '"2001-01-01"'),
        ("~", '"~"'),
        ("", '""'),
        ("-", '"-"'),
        ("a b", '"a b"'),
        ("x: y", '"x: y"'),
        ("[::1]:5000/a", '"[::1]:5000/a"'),
        ("tab\there", '"tab\\there"'),
        ("line\u2028break", '"line\\u2028break"'),
        ("é", '"é"'),
    ],
)
def test_render_scalar(value: str, text: str) -> None:
    assert render_scalar(value) == text
    assert yaml.safe_load(f"k: {text}") == {"k": value}  # YAML 1.1 reads it back


def test_single_quotes_kept() -> None:
    assert render_scalar("it's", "'") == "'it''s'"
