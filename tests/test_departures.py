"""Every rule where apply-imagemaps departs from Tilt, each test naming the Tilt behaviour
it replaces (../shared/reference/tilt-injection.md, sections S1-S14)."""

from __future__ import annotations

from tests.conftest import MapsFile, imagemap, run_fn

INJECT = "localhost:5000/app:tilt-1"


def _pod(containers: str, kind: str = "v1/Pod") -> str:
    api, _, k = kind.rpartition("/")
    return f"apiVersion: {api}\nkind: {k}\nmetadata:\n  name: p\nspec:\n{containers}"


def test_pod_specs_in_custom_resources_are_rewritten(maps_file: MapsFile) -> None:
    """Tilt S6.1: custom resources are decoded unstructured and only locators reach them."""
    text = _pod(
        "  template:\n    spec:\n      containers:\n      - image: app\n",
        "serving.knative.dev/v1/Service",
    )
    out = run_fn(text, "--imagemaps", maps_file(imagemap("app", "app", INJECT)))
    assert f"- image: {INJECT}\n" in out.stdout


def test_env_values_in_custom_resources_are_rewritten(maps_file: MapsFile) -> None:
    """Tilt S7.2: env vars of unstructured objects are never matched."""
    text = _pod(
        "  template:\n    spec:\n      containers:\n      - image: x\n        env:\n"
        "        - {name: A, value: app}\n",
        "argoproj.io/v1alpha1/Rollout",
    )
    out = run_fn(
        text, "--imagemaps", maps_file(imagemap("app", "app", INJECT, matchInEnvVars=True))
    )
    assert f"value: {INJECT}}}" in out.stdout


def test_ephemeral_containers_are_rewritten(maps_file: MapsFile) -> None:
    """Tilt S6.2: `EphemeralContainer` is not a `v1.Container`, so Tilt skips it."""
    out = run_fn(
        _pod("  ephemeralContainers:\n  - name: d\n    image: app\n"),
        "--imagemaps",
        maps_file(imagemap("app", "app", INJECT)),
    )
    assert f"image: {INJECT}\n" in out.stdout


def test_pull_policy_only_on_matched_containers(maps_file: MapsFile) -> None:
    """Tilt S9.1: once any ImageMap exists, every container gets IfNotPresent, sidecars
    too (issue #3209). `pullPolicy: all` keeps that rule on request."""
    text = _pod("  containers:\n  - name: a\n    image: app\n  - name: b\n    image: redis\n")
    out = run_fn(text, "--imagemaps", maps_file(imagemap("app", "app", INJECT)))
    assert out.stdout.count("imagePullPolicy: IfNotPresent") == 1
    config = "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\npullPolicy: all\n"
    out = run_fn(
        text,
        "--imagemaps",
        maps_file(config),
        "--imagemaps",
        maps_file(imagemap("app", "app", INJECT)),
    )
    assert out.stdout.count("imagePullPolicy: IfNotPresent") == 2


def test_unparseable_image_is_a_warning(maps_file: MapsFile) -> None:
    """Tilt S6.2 / issue #2969: any container image that does not parse aborts the apply."""
    text = _pod("  containers:\n  - image: '{{ .Values.image }}'\n  - image: app\n")
    out = run_fn(text, "--imagemaps", maps_file(imagemap("app", "app", INJECT)))
    assert out.exit_code == 0
    assert "[warning] v1/Pod/p spec.containers[0].image: container image" in out.stderr


def test_unused_imagemap_is_a_warning(maps_file: MapsFile) -> None:
    """Tilt S11.3: `Docker image missing from yaml: <name>` fails the apply."""
    out = run_fn(
        _pod("  containers:\n  - image: other\n"),
        "--imagemaps",
        maps_file(imagemap("app", "app", INJECT)),
    )
    assert out.exit_code == 0
    assert 'ImageMap "app" matched no image' in out.stderr
    strict = run_fn(
        _pod("  containers:\n  - image: other\n"),
        "--strict",
        "--imagemaps",
        maps_file(imagemap("app", "app", INJECT)),
    )
    assert (strict.exit_code, strict.stdout) == (1, "")


def test_conflicting_maps_are_reported(maps_file: MapsFile) -> None:
    """Tilt S11.2: no conflict detection; the last of two same-name maps silently wins."""
    maps = imagemap("a", "app", "app:tilt-a") + "---\n" + imagemap("b", "app", "app:tilt-b")
    out = run_fn(_pod("  containers:\n  - image: app\n"), "--imagemaps", maps_file(maps))
    assert "image: app:tilt-b\n" in out.stdout
    assert 'ImageMaps "a" and "b" both rewrite this field' in out.stderr


def test_unbuilt_imagemap_is_skipped_with_a_warning(maps_file: MapsFile) -> None:
    """Tilt S1.4: an empty status is `internal error: missing image status`."""
    unbuilt = (
        "apiVersion: tilt.dev/v1alpha1\nkind: ImageMap\nmetadata: {name: u}\n"
        "spec: {selector: app}\n"
    )
    out = run_fn(_pod("  containers:\n  - image: app\n"), "--imagemaps", maps_file(unbuilt))
    assert out.exit_code == 0
    assert 'ImageMap "u" has not been built' in out.stderr


def test_already_injected_reference_counts_as_a_match(maps_file: MapsFile) -> None:
    """Tilt S4.2: `app` does not match `localhost:5000/app:tilt-1`, so applying twice
    reports the map missing; here the output of a run is a fixed point, warnings included."""
    out = run_fn(
        _pod(f"  containers:\n  - image: {INJECT}\n    imagePullPolicy: IfNotPresent\n"),
        "--strict",
        "--imagemaps",
        maps_file(imagemap("app", "app", INJECT)),
    )
    assert (out.exit_code, out.stderr) == (0, "")


def test_no_other_tilt_mutations(maps_file: MapsFile) -> None:
    """Tilt S12: managed-by label, pod-template hash and podManagementPolicy: Parallel,
    plus a full re-serialization that drops unknown fields and comments."""
    text = _pod(
        "  template:\n    metadata: {}\n    spec:\n      containers:\n"
        "      - image: app  # ours\n        unknownField: kept\n",
        "apps/v1/StatefulSet",
    )
    out = run_fn(text, "--imagemaps", maps_file(imagemap("app", "app", INJECT)))
    expected = text.replace("image: app", f"image: {INJECT}").replace(
        "  # ours\n", "  # ours\n        imagePullPolicy: IfNotPresent\n"
    )
    assert out.stdout == expected


def test_command_override_reaches_ephemeral_containers(maps_file: MapsFile) -> None:
    """Tilt S10.2: only `v1.Container`s are override targets; we rewrite ephemeral
    containers' images, so they carry the image and get the override too."""
    maps = maps_file(imagemap("app", "app", INJECT, overrideArgs={"args": ["--dev"]}))
    out = run_fn(_pod("  ephemeralContainers:\n  - name: d\n    image: app\n"), "--imagemaps", maps)
    assert "    args:\n    - --dev\n" in out.stdout


def test_a_field_holding_a_later_maps_image_is_left_by_the_earlier_maps(
    maps_file: MapsFile,
) -> None:
    """Tilt S11: the maps apply in order, so `nginx` -> `app:tilt-2` (the second map) is
    then matched by a first map selecting `app` only on the next apply. Here a field that
    already holds a map's injected reference is left alone by the maps before that one, so
    a run's output is a fixed point however the maps chain."""
    maps = maps_file(
        imagemap("first", "app", INJECT)
        + "---\n"
        + imagemap("second", "nginx", "app:tilt-2", overrideArgs={"args": ["a"]})
    )
    text = _pod("  containers:\n  - name: c\n    image: nginx\n")
    out = run_fn(text, "--imagemaps", maps)  # the oracle runs it again: nothing changes
    assert "image: app:tilt-2\n" in out.stdout
    assert "args:\n    - a\n" in out.stdout


def test_an_override_leaves_a_container_left_to_a_later_map(maps_file: MapsFile) -> None:
    """Tilt S10.2: the override reaches every container carrying the injected reference.
    Here only those whose image this map matched: `b` (given `web` over the alias's
    `nginx`) gets `app:tilt-1` from the second map, which a next run leaves to that map,
    so the first map's override, which reached no container, still reaches none."""
    maps = maps_file(
        imagemap("m0", "nginx", "example.com/app:tilt-1", overrideCommand={"command": ["run"]})
        + "---\n"
        + imagemap("m1", "web", "example.com/app:tilt-1")
    )
    text = _pod(
        "  containers:\n  - &base\n    name: a\n    image: nginx\n"
        "  - <<: *base\n    name: b\n    image: web\n"
    )
    out = run_fn(text, "--imagemaps", maps)  # the oracle runs it again: nothing changes
    assert "    image: example.com/app:tilt-1\n" in out.stdout
    assert "command" not in out.stdout


def test_a_map_whose_output_a_later_map_rewrote_is_used_again(maps_file: MapsFile) -> None:
    """Tilt S11.3 (a map that replaced nothing fails the apply): on the output of a chain,
    `nginx:1.0` -> `nginx:2.0` -> `registry/nginx:b`, the first map's reference is gone,
    but it led to what the field holds, so it counts as used and --strict passes again."""
    maps = maps_file(
        imagemap("m0", "nginx:1.0", "nginx:2.0", matchExact=True)
        + "---\n"
        + imagemap("m1", "nginx:2.0", "registry/nginx:b", matchExact=True)
    )
    text = _pod("  containers:\n  - name: c\n    image: nginx:1.0\n")
    out = run_fn(text, "--imagemaps", maps, "--strict")  # and again, strict, on its output
    assert "    image: registry/nginx:b\n" in out.stdout
