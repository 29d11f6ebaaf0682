"""Deterministic benchmark inputs for apply-imagemaps and `kubectl kustomize`.

Each input is a directory holding:

- `imagemaps.yaml`: one Tilt ImageMap (the `--imagemaps` file for apply-imagemaps);
- `kustomization.yaml`: `resources:` the stream, plus the equivalent `images:` entry;
- `stream.yaml`: the generated stream (the corpus stream is referenced, never copied);
- for `resourcelist-N`, also `resourcelist.yaml`: the same Deployments as kpt hands them to
  a function (a ResourceList with kpt's path and index annotations, the ImageMap as its
  functionConfig), which apply-imagemaps reads instead of the stream.

The same arguments always give the same bytes: no clock, no unseeded randomness.

    python bench/generate.py [--workdir .cache/bench] [--sizes 20,1000,5000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path

from krm_fn.resourcelist import as_item

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
KPS_STREAM = CORPUS / "streams" / "kube-prometheus-stack.yaml"
KPS_SELECTOR = "quay.io/kiwigrid/k8s-sidecar"  # the grafana Deployment's two sidecars

SELECTOR = "example.com/app"
MAPPED_IMAGE = f"{SELECTOR}:1.0"
NEW_TAG = "tilt-0123456789abcdef"
SIZES = (20, 1000, 5000)
RESOURCE_LIST_SIZE = 1000

# Images that share text with the selector but not its name: neither tool may rewrite them.
NEAR_MISSES = ("example.com/app-worker:1.0", "example.com/apps:1.0", "quay.io/example.com/app:1.0")


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

    @property
    def ours_stdin(self) -> Path:
        return self.resource_list or self.stream

    @property
    def new_ref(self) -> str:
        """The reference both tools inject: Tilt's `localhost:5000/<name with _>:tilt-<hash>`."""
        return f"{new_name(self.selector)}:{NEW_TAG}"


def new_name(selector: str) -> str:
    return "localhost:5000/" + selector.replace("/", "_")


def imagemap_yaml(selector: str) -> str:
    ref = f"{new_name(selector)}:{NEW_TAG}"
    return (
        "apiVersion: tilt.dev/v1alpha1\n"
        "kind: ImageMap\n"
        "metadata:\n"
        f"  name: {selector.rsplit('/', 1)[-1]}\n"
        "spec:\n"
        f"  selector: {selector}\n"
        "status:\n"
        f'  image: "{ref}"\n'
        f'  imageFromCluster: "{ref}"\n'
    )


def kustomization_yaml(resource: str, selector: str) -> str:
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        f"resources: [{json.dumps(resource)}]\n"
        "images:\n"
        f"  - name: {selector}\n"
        f"    newName: {new_name(selector)}\n"
        f"    newTag: {NEW_TAG}\n"
    )


def deployment(i: int) -> tuple[str, int]:
    """One Deployment (init container, two containers, env, comments) and its mapped images.

    Of every ten, four use the mapped image (in the init container, the first container
    with a pull policy to replace, the sidecar without one, and quoted with a comment), and
    six use other images, some of them near misses or the mapped image in an env value.
    """
    other = f"registry.example.org/team-{i % 7}/svc-{i:05d}:v1.{i % 13}"
    init, main, sidecar = "docker.io/library/busybox:1.36", other, NEAR_MISSES[i % 3]
    slot = i % 10
    if slot == 0:
        init = MAPPED_IMAGE
    elif slot == 1:
        main = MAPPED_IMAGE
    elif slot == 2:
        sidecar = MAPPED_IMAGE
    elif slot == 3:
        main = f'"{MAPPED_IMAGE}"'
    env_image = MAPPED_IMAGE if slot == 5 else "none"
    name = f"app-{i:05d}"
    text = f"""---
# Source: bench/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: bench
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: bench
  annotations:
    bench.example.com/index: "{i}"
spec:
  replicas: {1 + i % 3}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      serviceAccountName: {name}
      initContainers:
        - name: wait-for-db
          image: {init}
          command: ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]
      containers:
        - name: main
          image: {main}  # pinned by the release pipeline
          imagePullPolicy: Always
          args: ["--port=8080", "--replica-index={i}"]
          env:
            - name: INDEX
              value: "{i}"
            - name: LOG_LEVEL
              value: info  # debug in staging
            - name: UPSTREAM_URL
              value: http://app-{(i + 1) % 100000:05d}.bench.svc:8080
            - name: MIGRATION_IMAGE
              value: {env_image}
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests: {{cpu: 10m, memory: 32Mi}}
            limits: {{memory: 128Mi}}
        - name: sidecar
          image: {sidecar}
          env:
            - name: TARGET
              value: "localhost:8080"
"""
    return text, int(slot < 4)


def deployments(n: int) -> tuple[str, int]:
    parts = [deployment(i) for i in range(n)]
    return "".join(text for text, _ in parts), sum(count for _, count in parts)


VOCABULARY = (
    "address alert batch bucket cache channel claim config consumer cursor endpoint "
    "filter gateway group handler index label limit listener metric node offset partition "
    "policy pool probe queue quota replica route rule scope selector shard sink source "
    "storage stream target tenant threshold timeout topic volume window worker zone"
)
WORDS = VOCABULARY.split()


def description(rng: random.Random, indent: str) -> list[str]:
    lines = [f"{indent}description: |-"]
    for _ in range(rng.randint(1, 4)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14)))
        lines.append(f"{indent}  {words.capitalize()}.")
    return lines


def properties(rng: random.Random, indent: str, depth: int) -> list[str]:
    """Seeded properties of an openAPIV3Schema object, in controller-gen's layout."""
    lines = []
    for name in sorted(rng.sample(WORDS, rng.randint(4, 9))):
        lines.append(f"{indent}{name}:")
        inner = indent + "  "
        kind = rng.random()
        if depth > 0 and kind < 0.45:
            lines += object_schema(rng, inner, depth - 1)
        elif depth > 0 and kind < 0.6:
            lines += [*description(rng, inner), f"{inner}items:"]
            lines += [*object_schema(rng, inner + "  ", depth - 1), f"{inner}type: array"]
        else:
            lines += description(rng, inner)
            lines.append(f"{inner}type: {rng.choice(('string', 'integer', 'boolean'))}")
    return lines


def object_schema(rng: random.Random, indent: str, depth: int) -> list[str]:
    return [
        *description(rng, indent),
        f"{indent}properties:",
        *properties(rng, indent + "  ", depth),
        f"{indent}type: object",
    ]


def containers_schema(indent: str) -> list[str]:
    """A `containers` property as real CRDs embed it: text mentions the image, no pod spec."""
    return [
        f"{indent}containers:",
        f"{indent}  description: Containers to run, e.g. image {MAPPED_IMAGE}.",
        f"{indent}  items:",
        f"{indent}    properties:",
        f"{indent}      image:",
        f"{indent}        description: 'Container image name, e.g. {MAPPED_IMAGE}.'",
        f"{indent}        type: string",
        f"{indent}      name:",
        f"{indent}        type: string",
        f"{indent}    type: object",
        f"{indent}  type: array",
    ]


def crd(index: int, target_bytes: int) -> str:
    rng = random.Random(index)
    plural, kind = f"widgets{index}", f"Widget{index}"
    head = f"""---
# Source: bench/crds/{plural}.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.5
  name: {plural}.bench.example.com
spec:
  group: bench.example.com
  names:
    kind: {kind}
    listKind: {kind}List
    plural: {plural}
    singular: widget{index}
  scope: Namespaced
  versions:
"""
    lines: list[str] = []
    version = 1
    while sum(len(line) + 1 for line in lines) < target_bytes:
        lines += [
            f"    - name: v{version}",
            "      schema:",
            "        openAPIV3Schema:",
            *description(rng, "          "),
            "          properties:",
            "            spec:",
            "              properties:",
            *containers_schema("                "),
            *properties(rng, "                ", 3),
            "              type: object",
            "          type: object",
            f"      served: {str(version == 1).lower()}",
            f"      storage: {str(version == 1).lower()}",
        ]
        version += 1
    return head + "\n".join(lines) + "\n"


def crd_heavy() -> tuple[str, int]:
    """Three CRDs of about 0.75 MB each, then three Deployments (each with one mapped image)."""
    crds = "".join(crd(i, 700_000) for i in range(3))
    workloads = [deployment(i) for i in range(3)]
    return crds + "".join(text for text, _ in workloads), sum(n for _, n in workloads)


def resource_list(stream: str, selector: str) -> str:
    """The stream's documents as kpt sends them to a function: the items of a ResourceList,
    each with kpt's path and index annotations, and the ImageMap as the functionConfig."""
    lines = [
        "apiVersion: config.kubernetes.io/v1",
        "kind: ResourceList",
        "functionConfig:",
        *("  " + line for line in imagemap_yaml(selector).splitlines()),
        "items:",
    ]
    items = []
    for index, doc in enumerate(stream.split("---\n")[1:]):
        path = f"bench/deployment-{index:05d}.yaml"
        annotations = (
            f"    config.kubernetes.io/path: '{path}'\n"
            "    config.kubernetes.io/index: '0'\n"
            f"    internal.config.kubernetes.io/path: '{path}'\n"
            "    internal.config.kubernetes.io/index: '0'\n"
        )
        doc = doc.replace("  annotations:\n", "  annotations:\n" + annotations, 1)
        doc = "".join(line for line in doc.splitlines(True) if not line.startswith("# Source:"))
        items.append(as_item(doc, 0, "\n"))
    return "\n".join(lines) + "\n" + "".join(items)


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


def corpus_expected(selector: str) -> int:
    """Container images named `selector` in the stream, from the corpus inventory."""
    inventory = json.loads((CORPUS / "inventory.json").read_text())
    images = inventory["files"][KPS_STREAM.name]["images"]
    return sum(
        1
        for image in images
        if image["ref"].rsplit(":", 1)[0] == selector
        and image["path"].rsplit("/", 3)[-3] in ("containers", "initContainers")
    )


def prepare(workdir: Path, sizes: tuple[int, ...] = SIZES) -> list[Input]:
    """Write every input under `workdir` (unchanged files are left alone) and describe them."""
    inputs = []
    for n in sizes:
        text, expected = deployments(n)
        name = f"deployments-{n}"
        stream = workdir / name / "stream.yaml"
        inputs.append(
            write_input(workdir, name, f"{n} Deployments", text, stream, n, SELECTOR, expected)
        )
    text, expected = deployments(RESOURCE_LIST_SIZE)
    name = f"resourcelist-{RESOURCE_LIST_SIZE}"
    stream = workdir / name / "stream.yaml"
    desc = f"{RESOURCE_LIST_SIZE} Deployments in a ResourceList (KRM mode, as from kpt)"
    item = write_input(workdir, name, desc, text, stream, RESOURCE_LIST_SIZE, SELECTOR, expected)
    write_if_changed(item.directory / "resourcelist.yaml", resource_list(text, SELECTOR))
    inputs.append(replace(item, resource_list=item.directory / "resourcelist.yaml"))
    text, expected = crd_heavy()
    stream = workdir / "crd-heavy" / "stream.yaml"
    desc = "3 large CRDs (openAPIV3Schema) and 3 Deployments"
    inputs.append(write_input(workdir, "crd-heavy", desc, text, stream, 6, SELECTOR, expected))
    if KPS_STREAM.exists():
        inventory = json.loads((CORPUS / "inventory.json").read_text())
        docs = int(inventory["files"][KPS_STREAM.name]["documents"])
        desc = "kube-prometheus-stack chart render (corpus, read in place)"
        inputs.append(
            write_input(
                workdir,
                "kube-prometheus-stack",
                desc,
                None,
                KPS_STREAM,
                docs,
                KPS_SELECTOR,
                corpus_expected(KPS_SELECTOR),
            )
        )
    return inputs


def parse_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--sizes", type=parse_sizes, default=SIZES, help="e.g. 20,1000,5000")
    args = parser.parse_args()
    for item in prepare(args.workdir, args.sizes):
        size = item.stream.stat().st_size / 1e6
        print(
            f"{item.directory}: {item.description}, {size:.2f} MB, {item.docs} docs, "
            f"{item.expected_rewrites} images to rewrite"
        )


if __name__ == "__main__":
    main()
