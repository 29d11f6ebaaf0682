"""The CRD-heavy input: large seeded CustomResourceDefinitions, then a few Deployments.

It shows what documents that cannot match cost: each CRD's schema mentions the mapped
image in its descriptions, as real CRDs' `containers` properties do, but holds no pod spec.
"""

from __future__ import annotations

import random

from manifests import MAPPED_IMAGE, deployment

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
