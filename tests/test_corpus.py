"""End to end on real third-party manifests (../shared/corpus, read in place, never copied):
rewrite one image in each stream and check that only its lines changed.

The corpus inventory (`inventory.json`, made with PyYAML independently of this project)
lists every container image with its line; the rewritten lines must be exactly those of
the chosen image's name, plus inserted or updated `imagePullPolicy` lines.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from krm_fn.reference import parse_normalized_named
from tests.conftest import CORPUS, imagemap, run_fn

INJECTED = "localhost:5000/rewritten:tilt-0000000000000000"
CONTAINER_CATEGORIES = ("containers", "initContainers", "ephemeralContainers")


@functools.cache
def _inventory() -> dict[str, dict[str, Any]]:
    inventory = CORPUS / "inventory.json"
    if not inventory.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the corpus is missing: {inventory}")
        return {}
    files: dict[str, dict[str, Any]] = json.loads(inventory.read_text())["files"]
    return files


def _is_container(image: dict[str, Any]) -> bool:
    return bool(image["valid"] and image["category"] in CONTAINER_CATEGORIES)


def _is_catalog_field(image: dict[str, Any]) -> bool:
    """The inventory's `image-field`s outside env lists are catalog fields (Prometheus,
    Knative Image, Tekton steps, OLM relatedImages)."""
    return bool(
        image["valid"] and image["category"] == "image-field" and "/env/" not in image["path"]
    )


def _streams(chosen: Callable[[dict[str, Any]], bool]) -> list[tuple[str, dict[str, Any]]]:
    """The streams with an image to choose, and the first one."""
    return [
        (name, next(i for i in info["images"] if chosen(i)))
        for name, info in sorted(_inventory().items())
        if any(chosen(i) for i in info["images"])
    ]


def _assert_only_its_lines_change(name: str, chosen: dict[str, Any], tmp_path: Path) -> None:
    """Rewrite the chosen image's name: exactly the lines of the container images and
    catalog fields of that name change (plus imagePullPolicy lines)."""
    text = (CORPUS / "streams" / name).read_text()
    selector = parse_normalized_named(chosen["ref"]).familiar_name()
    expected = {
        i["line"]
        for i in _inventory()[name]["images"]
        if (_is_container(i) or _is_catalog_field(i))
        and parse_normalized_named(i["ref"]).familiar_name() == selector
    }
    maps = tmp_path / "maps.yaml"
    maps.write_text(imagemap("chosen", selector, INJECTED))
    result = run_fn(text, "--imagemaps", str(maps))
    assert result.exit_code == 0, result.stderr
    assert _changed_lines(text, result.stdout) == expected


STREAMS = _streams(_is_container)
CATALOG_STREAMS = _streams(_is_catalog_field)


@pytest.mark.skipif(not STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize(("name", "chosen"), STREAMS, ids=[s[0] for s in STREAMS])
def test_only_image_lines_change(name: str, chosen: dict[str, Any], tmp_path: Path) -> None:
    _assert_only_its_lines_change(name, chosen, tmp_path)


@pytest.mark.skipif(not CATALOG_STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize(("name", "chosen"), CATALOG_STREAMS, ids=[s[0] for s in CATALOG_STREAMS])
def test_catalog_finds_custom_resource_images(
    name: str, chosen: dict[str, Any], tmp_path: Path
) -> None:
    _assert_only_its_lines_change(name, chosen, tmp_path)


def _changed_lines(before: str, after: str) -> set[int]:
    """Input line numbers whose image value changed; asserts every other difference is an
    `imagePullPolicy: IfNotPresent` line inserted or set."""
    old, new = before.splitlines(), after.splitlines()
    changed, i, j = set(), 0, 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and old[i] == new[j]:
            i, j = i + 1, j + 1
        elif (
            j < len(new)
            and new[j].strip() == "imagePullPolicy: IfNotPresent"
            and (i >= len(old) or "imagePullPolicy:" not in old[i])
        ):
            j += 1  # inserted
        else:
            assert i < len(old) and j < len(new), "lines were dropped or added"
            if "imagePullPolicy:" in old[i]:
                assert new[j].strip() == "imagePullPolicy: IfNotPresent", new[j]
            else:
                prefix = old[i][: len(old[i]) - len(old[i].lstrip())]
                assert new[j].startswith(prefix) and INJECTED in new[j], (old[i], new[j])
                changed.add(i + 1)
            i, j = i + 1, j + 1
    return changed
