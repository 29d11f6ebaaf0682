"""The text of the generated inputs: Deployments, ImageMaps, kustomizations, ResourceLists.

Built from templates, with no clock and no randomness: the same arguments give the same bytes.
"""

from __future__ import annotations

import json

from krm_fn.resourcelist import as_item

SELECTOR = "example.com/app"
MAPPED_IMAGE = f"{SELECTOR}:1.0"
NEW_TAG = "tilt-0123456789abcdef"

# Images that share text with the selector but not its name: neither tool may rewrite them.
NEAR_MISSES = ("example.com/app-worker:1.0", "example.com/apps:1.0", "quay.io/example.com/app:1.0")


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


def imagemap_list_yaml(selectors: list[str]) -> str:
    """One ImageMap per selector, in one `v1 List` as `tilt get imagemaps -o yaml` prints them."""
    items = []
    for selector in selectors:
        first, *rest = imagemap_yaml(selector).splitlines()
        items.append(f"  - {first}\n" + "".join(f"    {line}\n" for line in rest))
    return 'apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n' + "".join(items)


def many_selectors(n: int) -> list[str]:
    """`n` distinct selectors: the mapped one first, then `n - 1` that match no image.

    They name images of the same registry and teams as the Deployments' own
    (`registry.example.org/team-<i % 7>/svc-<i>`), as a project with many images would.
    """
    return [SELECTOR, *(f"registry.example.org/team-{k % 7}/job-{k:05d}" for k in range(1, n))]


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
