"""Helpers for the unit tests of the text layer and of locating: a text's nodes as the
program reads them, and a text's data as Kubernetes reads it."""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml import Node

from krm_fn.documents import split

__all__ = ["compose", "data"]


def compose(text: str) -> Node:
    """The node of a one-document text, as the program's reader composes it."""
    node = split(text)[0].compose()
    assert node is not None
    return node


def data(text: str) -> Any:
    """The data of a text (YAML 1.1); a text that was JSON must still be JSON."""
    found = yaml.safe_load(text)
    if text.lstrip().startswith("{"):
        assert json.loads(text) == found, "a JSON document must stay JSON"
    return found
