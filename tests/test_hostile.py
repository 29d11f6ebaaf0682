"""Hostile and odd input: clear errors for what is not YAML, byte-exact pass-through for
odd but valid YAML, and bounded work for resource attacks (limits in the README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MapsFile, imagemap, run_fn
from tests.fuzz.maps import MAPS as FUZZ_MAPS
from tests.oracle import checked_run

MAPS = imagemap("app", "example.com/app", "localhost:5000/app:tilt-1")
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"


@pytest.mark.parametrize(
    ("data", "stderr"),
    [
        (b"a: \xff\n", "[error] input is not UTF-8: byte 3 (line 1) is 0xff\n"),
        (
            b"x: 1\n---\na: b\x00c\n",
            "[error] document 2, line 3, column 5: character U+0000 is not allowed in YAML "
            "(control characters are not allowed)\n",
        ),
        (
            b"a: 'open\nb: c\n",
            "[error] document 1, line 3, column 1: found unexpected end of stream "
            "(while scanning a quoted scalar at line 1, column 4)\n",
        ),
        (
            b"a:\n\tb: c\n",
            "[error] document 1, line 2, column 1: found character '\\t' that cannot start any "
            "token (while scanning for the next token at line 2, column 1)\n",
        ),
        (
            b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
            "[error] document 1, line 1, column 1003: exceeded maximum nesting depth "
            "(while increasing flow level at line 1, column 1003)\n",
        ),
        # found by `make fuzz`: documents that are only syntax-checked are checked as fully
        (
            b"x: 1\n---\nspec:\n  *containers: 1\n",
            "[error] document 2, line 4, column 3: found undefined alias 'containers'\n",
        ),
        (
            b"a: &x 1\nb: &x 2\n",
            "[error] document 1, line 2, column 4: second occurrence (found duplicate anchor; "
            "first occurrence at line 1, column 4)\n",
        ),
    ],
    ids=[
        "invalid-utf8",
        "nul-byte",
        "unclosed-quote",
        "tab-indentation",
        "nesting-100000",
        "undefined-alias",
        "duplicate-anchor",
    ],
)
def test_not_yaml_is_a_clear_error_and_nothing_on_stdout(
    data: bytes, stderr: str, maps_file: MapsFile
) -> None:
    out = run_fn(data, "--imagemaps", maps_file(MAPS))
    assert (out.exit_code, out.stdout, out.stderr) == (1, "", stderr)


PASS_THROUGH = {
    "bom-crlf": "\ufeffa: 1\r\nb: [x, y]\r\n",
    "end-markers-empty-tilde-comment-only": "a: 1\n...\n---\n---\n~\n---\n# only\n---\n",
    "top-level-sequence-and-scalar": "- a\n- b\n---\njust text\n---\n|\n  literal\n",
    "tags": "a: !!binary aGVsbG8=\nb: !custom {x: 1}\nc: !!python/object/apply:os.system [true]\n",
    "unconstructable-keys": "enum:\n- =\n- '!='\n{{ .x }}: y\n? [a, b]\n: c\n",
    # found by `make fuzz`: a lone CR (or NEL, LS, PS) is a line break, so `---` after it
    # starts a document
    "lone-cr-before-marker": "a: 1\n\r---\r\nb: 2\n\u2028---\nc: 3\n",
    "unicode": 'ключ: значение\n名前: 画像 # コメント\nemoji: "🚀"\n',
    "containers-not-a-list": POD.replace("containers:\n", "containers: example.com/app\n"),
    "image-not-a-string-elsewhere": "kind: ConfigMap\ndata:\n  image: 8080\n",
}


@pytest.mark.parametrize("text", PASS_THROUGH.values(), ids=PASS_THROUGH.keys())
def test_odd_valid_yaml_passes_through_byte_for_byte(text: str, maps_file: MapsFile) -> None:
    out = run_fn(text.encode(), "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text


def test_python_tags_are_never_constructed(tmp_path: Path, maps_file: MapsFile) -> None:
    marker = tmp_path / "pwned"
    attack = f'!!python/object/apply:os.system ["touch {marker}"]'
    config = maps_file(MAPS.replace("status:\n", f"status: {attack}\nx:\n"))
    manifest = f"{POD}  - name: a\n    image: {attack}\n"
    out = run_fn(manifest, "--imagemaps", config)
    assert out.exit_code == 1
    assert not marker.exists()
    assert f"ImageMap/app status (in {config}): expected a mapping" in out.stderr


def test_duplicate_keys_warn(maps_file: MapsFile) -> None:
    text = f"{POD}  - name: a\n    image: other\n    image: example.com/app\n"
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0
    assert "image: other\n    image: localhost:5000/app:tilt-1\n" in out.stdout
    assert "[warning] v1/Pod/p spec.containers[0].image: duplicate key" in out.stderr


def test_non_string_image_warns(maps_file: MapsFile) -> None:
    out = run_fn(f"{POD}  - name: a\n    image: 8080\n", "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0
    assert "container image is not a string: 8080" in out.stderr


def _laughs(leaf: str, use: str) -> str:
    """The "billion laughs": 10 levels of 9 aliases each."""
    lines = [f'a0: &a0 ["{leaf}", "{leaf}", "{leaf}", "{leaf}", "{leaf}"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n" + use


def test_alias_bomb_in_a_pod_spec_is_not_expanded(maps_file: MapsFile) -> None:
    text = _laughs(
        "example.com/app",
        "spec:\n  containers: *a9\n  initContainers:\n  - {name: i, image: *a0}\n",
    )
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert (out.exit_code, out.stdout) == (0, text)
    assert "spec.initContainers[0].image: an alias (*name) is never rewritten" in out.stderr


def test_alias_bomb_in_a_config_is_refused(maps_file: MapsFile) -> None:
    config = _laughs("x", MAPS)
    out = run_fn(
        f"{POD}  - name: a\n    image: example.com/app\n", "--imagemaps", maps_file(config)
    )
    assert (out.exit_code, out.stdout) == (1, "")
    assert "aliases (*name) are not allowed in a config; write the value out" in out.stderr


def test_fifty_megabyte_scalar(maps_file: MapsFile) -> None:
    text = f'{POD}  - name: a\n    image: example.com/app\n    args: ["{"x" * 50_000_000}"]\n'
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0
    assert out.stdout == text.replace(
        "image: example.com/app\n",
        "image: localhost:5000/app:tilt-1\n    imagePullPolicy: IfNotPresent\n",
    )


def test_twenty_thousand_documents(maps_file: MapsFile) -> None:
    docs = [
        f"{POD.replace('name: p', f'name: p{i}')}  - name: a\n    image: img{i}\n"
        for i in range(20_000)
    ]
    docs[12_345] = docs[12_345].replace("img12345", "example.com/app")
    text = "---\n".join(docs)
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0
    assert out.stdout.count("---\n") == 19_999
    assert out.stdout.count("localhost:5000/app:tilt-1") == 1


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ("items: 42\n", "ResourceList items: expected a list of objects"),
        ("items:\n- 42\n", "ResourceList items[0]: expected an object (a mapping)"),
        ("items: []\nfunctionConfig: 42\n", "unknown config a int, not a mapping"),
    ],
    ids=["items-not-a-list", "scalar-item", "garbage-functionconfig"],
)
def test_broken_resource_lists_come_back_with_errors(rest: str, message: str) -> None:
    text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + rest
    out = run_fn(text)
    assert out.exit_code == 1
    assert out.stdout.startswith(text)
    assert f"- message: '{message}" in out.stdout or f"- message: {message}" in out.stdout


def test_cr_only_line_endings(maps_file: MapsFile) -> None:
    """Old Mac line endings: inserted lines take the document's CR."""
    text = f"{POD}  - name: a\n    image: example.com/app\n    ports: []\n".replace("\n", "\r")
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert out.exit_code == 0, out.stderr
    assert out.stdout == text.replace(
        "image: example.com/app\r",
        "image: localhost:5000/app:tilt-1\r    imagePullPolicy: IfNotPresent\r",
    )


def test_empty_pull_policy_is_set_with_a_space(maps_file: MapsFile) -> None:
    """Found by `make fuzz`: `imagePullPolicy:` with no value (a null right after the
    colon) gets ` IfNotPresent`; `imagePullPolicy:IfNotPresent` would be a key."""
    text = f"{POD}  - name: a\n    imagePullPolicy:\n    image: example.com/app\n"
    out = run_fn(text, "--imagemaps", maps_file(MAPS))
    assert out.stdout == text.replace(
        "imagePullPolicy:\n", "imagePullPolicy: IfNotPresent\n"
    ).replace("image: example.com/app", "image: localhost:5000/app:tilt-1")


def test_duplicate_keys_and_overrides_are_stable(maps_file: MapsFile) -> None:
    """Found by `make fuzz`: with `args` given twice, the last one (the one that counts) is
    replaced in place, so a second run finds nothing to do."""
    maps = maps_file(
        imagemap(
            "app", "example.com/app", "localhost:5000/app:tilt-1", overrideArgs={"args": ["--dev"]}
        )
    )
    text = f"{POD}  - name: a\n    image: example.com/app\n    args:\n    x: 1\n    args: 3\n"
    first = run_fn(text, "--imagemaps", maps)
    assert first.stdout.endswith("    args:\n    x: 1\n    args:\n    - --dev\n")
    assert run_fn(first.stdout, "--imagemaps", maps).stdout == first.stdout


# Found by `make fuzz` (/tmp/crashes/dupkeys.yaml): a whole Pod, then (after a line the
# fuzzer cut short, `args:iVersion: v1`) `kind`, `metadata` and `spec` again. Only the last
# of duplicate keys counts (go-yaml v2), but the first spec's images were rewritten and
# reported too, each path twice.
DUPLICATE_DOCUMENT = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: example.com/app
    command: ["init"]
  containers:
  - command:
    - old
    name: first-key-command
    image: example.com/app
    args:iVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: example.com/app
    command: ["init"]
  containers:
  - command:
    - old
    name: first-key-command
    image: example.com/app
    args: [a]
  - name: other
    image: busybox
    command:  [a]
  - name: other
    image: busybox
    command: [keep]
"""


def _as_item(doc: str) -> str:
    """The document as the one item of a ResourceList."""
    lines = doc.splitlines(True)
    item = "- " + lines[0] + "".join("  " + line for line in lines[1:])
    return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + item


@pytest.mark.parametrize("mode", ["stream", "krm"])
def test_duplicate_keys_only_the_last_counts(mode: str) -> None:
    text = DUPLICATE_DOCUMENT if mode == "stream" else _as_item(DUPLICATE_DOCUMENT)
    out = checked_run(text.encode(), FUZZ_MAPS)
    assert out.exit_code == 0
    first, last = out.stdout.decode().split("args:iVersion: v1\n")
    assert first == text.split("args:iVersion: v1\n")[0]  # the shadowed copy is left alone
    assert last.split("\nresults:")[0].count("localhost:5000/example.com_app:tilt-1") == 2
    paths = [r.field_path for r in out.results if r.severity == "info"]
    assert len(paths) == len(set(paths)) == 6  # two images, pull policies and args
    warned = {r.field_path for r in out.results if "duplicate key" in r.message}
    assert warned == {"kind", "metadata", "spec"}


@pytest.mark.parametrize("mode", ["stream", "krm"])
def test_a_duplicate_key_whose_last_value_is_an_alias(mode: str) -> None:
    """`image: x` then `image: *img`: the alias counts, so `x` is not rewritten."""
    doc = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {img: &img other}\n"
        "spec:\n  containers:\n  - name: a\n    image: example.com/app\n    image: *img\n"
        "  - name: b\n    env: [{name: E, value: example.com/app, value: *img}]\n"
        "    image: busybox\n"
    )
    text = doc if mode == "stream" else _as_item(doc)
    out = checked_run(text.encode(), FUZZ_MAPS)
    assert out.stdout.decode().startswith(text.split("results:")[0])
    assert not [r for r in out.results if r.severity == "info"]
    assert any(
        r.field_path == "spec.containers[0].image" and "alias" in r.message for r in out.results
    )


# More findings of `make fuzz` with the oracle, each made minimal. The first two were wrong
# accounts (a non-string or null value reported as absent); the last changed a block
# scalar's value (the results appended after it gave it a final newline).
FUZZ_FINDINGS = {
    "non-string-pull-policy": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: example.com/app\n    imagePullPolicy: 0.00\n"
    ),
    "null-args": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: example.com/app\n    args:\n"
    ),
    "two-objects-of-one-name": (
        "apiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
        "    imace: example.com/app\n---\napiVersion: v1\nmetadata: {name: p}\nspec:\n"
        "  containers:\n  - name: b\n    image: example.com/app\n"
    ),
    "keys-with-dots-and-brackets": (
        "apiVersion: v1\nkind: Thing\nmetadata: {name: p}\n.spec]:\n  a.b[0]:\n"
        "    containers:\n    - name: a\n      image: example.com/app\n"
    ),
    "merge-key-of-a-scalar": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - <<: v1\n    name: a\n    image: example.com/app\n"
    ),
    "nested-list-args": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: example.com/app\n    args:\n    - -\n"
    ),
    "block-scalar-at-the-end": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: example.com/app\n  notes: |\n    one\n    two"
    ),
}


@pytest.mark.parametrize("mode", ["stream", "krm"])
@pytest.mark.parametrize("text", FUZZ_FINDINGS.values(), ids=FUZZ_FINDINGS.keys())
def test_fuzz_findings_pass_the_oracle(text: str, mode: str) -> None:
    items = [_as_item(doc).split("items:\n", 1)[1] for doc in text.split("---\n")]
    krm = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "\n".join(
        i.removesuffix("\n") for i in items
    )
    out = checked_run((text if mode == "stream" else krm).encode(), FUZZ_MAPS)
    assert out.exit_code == 0, [str(r) for r in out.results]
    assert "localhost:5000/example.com_app:tilt-1" in out.stdout.decode()


def test_a_resource_list_after_a_comment_that_is_not_yaml() -> None:
    """Found by `make fuzz`: the comment-only document before a ResourceList was copied
    through unread, NUL bytes and all; it is read like every other document."""
    text = "# lead\x00ing\n---\n" + _as_item(FUZZ_FINDINGS["null-args"])
    out = checked_run(text.encode(), FUZZ_MAPS)
    assert out.exit_code == 1 and out.stdout == b""
    assert "character U+0000 is not allowed in YAML" in out.results[0].message
