"""End to end on real third-party manifests (../shared/corpus, read in place, never copied):
rewrite one image in each stream and check that only its lines changed.

The corpus inventory (`inventory.json`, made with PyYAML independently of this project)
lists every container image with its line; the rewritten lines must be exactly those of
the chosen image's name, plus inserted or updated `imagePullPolicy` lines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from krm_fn.reference import parse_normalized_named
from tests.conftest import CORPUS, imagemap, run_fn

INJECTED = "localhost:5000/rewritten:tilt-0000000000000000"
CONTAINER_CATEGORIES = ("containers", "initContainers", "ephemeralContainers")


def _streams(any_category: bool = False) -> list[tuple[str, dict[str, Any]]]:
    inventory = CORPUS / "inventory.json"
    if not inventory.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the corpus is missing: {inventory}")
        return []
    files: dict[str, dict[str, Any]] = json.loads(inventory.read_text())["files"]
    return [
        (name, info)
        for name, info in sorted(files.items())
        if any_category
        or any(i["category"] in CONTAINER_CATEGORIES and i["valid"] for i in info["images"])
    ]


STREAMS = _streams()


@pytest.mark.skipif(not STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize(("name", "info"), STREAMS, ids=[s[0] for s in STREAMS])
def test_only_image_lines_change(name: str, info: dict[str, Any], tmp_path: Path) -> None:
    text = (CORPUS / "streams" / name).read_text()
    chosen = next(i for i in info["images"] if i["category"] in CONTAINER_CATEGORIES and i["valid"])
    selector = parse_normalized_named(chosen["ref"]).familiar_name()
    expected_lines = {
        i["line"]
        for i in info["images"]
        if i["category"] in CONTAINER_CATEGORIES
        and i["valid"]
        and parse_normalized_named(i["ref"]).familiar_name() == selector
    }
    maps = tmp_path / "maps.yaml"
    maps.write_text(imagemap("chosen", selector, INJECTED))
    result = run_fn(text, "--imagemaps", str(maps))
    assert result.exit_code == 0, result.stderr
    assert _changed_lines(text, result.stdout) == expected_lines


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


def _catalog_streams() -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, info)
        for name, info in STREAMS_ALL
        if any(i["category"] == "image-field" and i["valid"] for i in info["images"])
    ]


STREAMS_ALL = _streams(any_category=True)
CATALOG_STREAMS = _catalog_streams()


@pytest.mark.skipif(not CATALOG_STREAMS, reason="../shared/corpus is not present (CI requires it)")
@pytest.mark.parametrize(("name", "info"), CATALOG_STREAMS, ids=[s[0] for s in CATALOG_STREAMS])
def test_catalog_finds_custom_resource_images(
    name: str, info: dict[str, Any], tmp_path: Path
) -> None:
    """The inventory's `image-field`s outside env lists are catalog fields (Prometheus,
    Knative Image, Tekton steps, OLM relatedImages): rewriting one changes exactly those."""
    text = (CORPUS / "streams" / name).read_text()
    fields = [i for i in info["images"] if i["category"] == "image-field" and i["valid"]]
    selector = parse_normalized_named(fields[0]["ref"]).familiar_name()
    expected = {
        i["line"]
        for i in info["images"]
        if i["valid"]
        and (
            i["category"] in CONTAINER_CATEGORIES
            or (i["category"] == "image-field" and "/env/" not in i["path"])
        )
        and parse_normalized_named(i["ref"]).familiar_name() == selector
    }
    maps = tmp_path / "maps.yaml"
    maps.write_text(imagemap("chosen", selector, INJECTED))
    result = run_fn(text, "--imagemaps", str(maps))
    assert result.exit_code == 0, result.stderr
    assert _changed_lines(text, result.stdout) == expected
