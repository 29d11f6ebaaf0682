"""Deterministic benchmark inputs for apply-imagemaps and `kubectl kustomize`.

Each input is a directory holding:

- `imagemaps.yaml`: the `--imagemaps` file for apply-imagemaps: one Tilt ImageMap, or for
  `imagemaps-N` a `v1 List` of N (one of them matching);
- `kustomization.yaml`: `resources:` the stream, plus the equivalent `images:` entry (not
  for `imagemaps-N`, which kustomize does not run);
- `stream.yaml`: the generated stream (the corpus stream is referenced, never copied);
- for `resourcelist-N`, also `resourcelist.yaml`: the same Deployments as kpt hands them to
  a function (a ResourceList with kpt's path and index annotations, the ImageMap as its
  functionConfig), which apply-imagemaps reads instead of the stream.

The same arguments always give the same bytes: no clock, no unseeded randomness.

    python bench/generate.py [--workdir .cache/bench] [--sizes 20,1000,2000,3000,5000]
        [--maps 1,10,100,1000] [--maps-docs 1000]
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path

import corpus
from crds import crd_heavy
from manifests import (
    NEW_TAG,
    SELECTOR,
    deployments,
    imagemap_list_yaml,
    imagemap_yaml,
    kustomization_yaml,
    many_selectors,
    new_name,
    resource_list,
)

SIZES = (20, 1000, 2000, 3000, 5000)
MAPS = (1, 10, 100, 1000)
MAPS_DOCS = 1000
RESOURCE_LIST_SIZE = 1000


@dataclass(frozen=True)
class Input:
    name: str
    description: str
    directory: Path
    stream: Path
    docs: int
    selector: str
    expected_rewrites: int
    resource_list: Path | None = None  # what apply-imagemaps reads instead of the stream
    maps: int = 1  # ImageMaps in imagemaps.yaml
    kustomize: bool = True  # whether kustomize runs on it too

    @property
    def ours_stdin(self) -> Path:
        return self.resource_list or self.stream

    @property
    def new_ref(self) -> str:
        """The reference both tools inject: Tilt's `localhost:5000/<name with _>:tilt-<hash>`."""
        return f"{new_name(self.selector)}:{NEW_TAG}"


def write_if_changed(path: Path, text: str) -> None:
    data = text.encode()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def write_input(
    workdir: Path,
    name: str,
    description: str,
    stream_text: str | None,
    stream: Path,
    docs: int,
    selector: str,
    expected: int,
) -> Input:
    directory = workdir / name
    directory.mkdir(parents=True, exist_ok=True)
    if stream_text is not None:
        write_if_changed(stream, stream_text)
    write_if_changed(directory / "imagemaps.yaml", imagemap_yaml(selector))
    resource = os.path.relpath(stream, directory)
    write_if_changed(directory / "kustomization.yaml", kustomization_yaml(resource, selector))
    return Input(name, description, directory, stream, docs, selector, expected)


def deployment_input(workdir: Path, name: str, n: int) -> Input:
    text, expected = deployments(n)
    stream = workdir / name / "stream.yaml"
    return write_input(workdir, name, f"{n} Deployments", text, stream, n, SELECTOR, expected)


def many_maps(workdir: Path, counts: tuple[int, ...], docs: int) -> list[Input]:
    """`docs` Deployments under 1, 10, ... ImageMaps of distinct selectors, one matching."""
    text, expected = deployments(docs)
    inputs = []
    for n in counts:
        directory = workdir / f"imagemaps-{n}"
        directory.mkdir(parents=True, exist_ok=True)
        write_if_changed(directory / "stream.yaml", text)
        write_if_changed(directory / "imagemaps.yaml", imagemap_list_yaml(many_selectors(n)))
        maps_text = "1 ImageMap" if n == 1 else f"{n} ImageMaps of distinct selectors, 1 matching"
        desc = f"{docs} Deployments, {maps_text}"
        inputs.append(
            Input(
                directory.name,
                desc,
                directory,
                directory / "stream.yaml",
                docs,
                SELECTOR,
                expected,
                maps=n,
                kustomize=False,
            )
        )
    return inputs


def prepare(
    workdir: Path,
    found: corpus.Corpus | None,
    sizes: tuple[int, ...] = SIZES,
    maps: tuple[int, ...] = MAPS,
    maps_docs: int = MAPS_DOCS,
) -> list[Input]:
    """Write every input under `workdir` (unchanged files are left alone) and describe them;
    the corpus input only when the corpus is `found`."""
    inputs = [deployment_input(workdir, f"deployments-{n}", n) for n in sizes]
    name = f"resourcelist-{RESOURCE_LIST_SIZE}"
    item = deployment_input(workdir, name, RESOURCE_LIST_SIZE)
    text = item.stream.read_text()
    write_if_changed(item.directory / "resourcelist.yaml", resource_list(text, SELECTOR))
    desc = f"{RESOURCE_LIST_SIZE} Deployments in a ResourceList (KRM mode, as from kpt)"
    inputs.append(
        replace(item, description=desc, resource_list=item.directory / "resourcelist.yaml")
    )
    text, expected = crd_heavy()
    stream = workdir / "crd-heavy" / "stream.yaml"
    desc = "3 large CRDs (openAPIV3Schema) and 3 Deployments"
    inputs.append(write_input(workdir, "crd-heavy", desc, text, stream, 6, SELECTOR, expected))
    if found is not None:
        selector = corpus.KPS_SELECTOR
        inputs.append(
            write_input(
                workdir,
                "kube-prometheus-stack",
                "kube-prometheus-stack chart render (corpus, read in place)",
                None,
                found.stream(corpus.KPS),
                found.documents(corpus.KPS),
                selector,
                found.expected(corpus.KPS, selector),
            )
        )
    return inputs + many_maps(workdir, maps, maps_docs)


def parse_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=corpus.ROOT / ".cache" / "bench")
    parser.add_argument("--sizes", type=parse_sizes, default=SIZES, help="e.g. 20,1000,5000")
    parser.add_argument("--maps", type=parse_sizes, default=MAPS, help="e.g. 1,10,100,1000")
    parser.add_argument("--maps-docs", type=int, default=MAPS_DOCS, help="default 1000")
    args = parser.parse_args()
    found, reason = corpus.find()
    for item in prepare(args.workdir, found, args.sizes, args.maps, args.maps_docs):
        size = item.ours_stdin.stat().st_size / 1e6
        print(
            f"{item.directory}: {item.description}, {size:.2f} MB, {item.docs} docs, "
            f"{item.expected_rewrites} images to rewrite"
        )
    if found is None:
        print(f"no corpus input: {reason}")


if __name__ == "__main__":
    main()
