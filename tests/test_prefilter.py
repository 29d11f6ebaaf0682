"""krm_fn.prefilter: which stream documents are composed, and the CRD known from its text.

The rule `certainly_crd` must never be wrong when it says yes: a document it leaves
uncomposed is never searched. Each "no" below is a doubt the rule must see; the texts that
are not CRDs at all show why.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml import MappingNode

from krm_fn import documents, locate, objects, prefilter
from krm_fn.documents import ReadError
from krm_fn.imagemap import ImageMap, Selector
from krm_fn.reference import parse, parse_normalized_named
from tests.conftest import MapsFile, corpus_file, imagemap, run_fn

CRD = """\
---
# Source: chart/crds/widgets.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition  # the CRD
metadata:
  name: widgets.example.com
  labels: {app: widgets}
  annotations:
    note: "it's \\"quoted\\"
      on two lines"
spec:
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            image:
              description: 'The image: a reference,
                as in a pod spec.'
              type: string
            tags: {type: array}
            say: "it's \\"quoted\\"
              on two lines"
"""


def _composed_is_crd(text: str) -> bool:
    (doc,) = documents.split(text)
    node = doc.compose()
    return isinstance(node, MappingNode) and locate.is_crd(node)


def test_a_crd_as_charts_write_it_is_certain() -> None:
    assert prefilter.certainly_crd(CRD)
    assert _composed_is_crd(CRD)


@pytest.mark.parametrize(
    ("change", "old", "new"),
    [
        ("a quoted scalar reaching column 0", "  name: widgets.example.com\n", '  name: "a\nb"\n'),
        ("a flow collection with a comment", "{app: widgets}", "{app: widgets # }"),
        ("a flow collection nested", "{app: widgets}", "{app: [widgets]}"),
        ("a quoted scalar never closed", 'on two lines"', "on two lines"),
        ("a second kind", "metadata:\n", "kind: CustomResourceDefinition\nmetadata:\n"),
        ("no apiVersion", "apiVersion: apiextensions.k8s.io/v1\n", ""),
        ("another group", "apiextensions.k8s.io/v1", "example.com/v1"),
        ("a kind quoted", "kind: CustomResourceDefinition", 'kind: "CustomResourceDefinition"'),
        ("a kind continued", "  # the CRD\n", "\n  Extra\n"),
        ("a tab after the key", "kind: ", "kind:\t"),
        ("a key quoted", "metadata:", '"metadata":'),
        ("a merge key", "metadata:\n", "<<: {}\nmetadata:\n"),
        ("a tag on the root", "---\n", "--- !!map\n"),
        ("an indented line first", "---\n", "---\n  # x\n  x\n"),
        ("a directive", "---\n", "%YAML 1.1\n---\n"),
        ("a carriage return", "metadata:\n", "metadata:\r\n"),
        ("a line separator", "metadata:\n", "metadata:\u2028"),
    ],
)
def test_any_doubt_means_not_certain(change: str, old: str, new: str) -> None:
    """Each change is made before `spec`, the last line at column 0 (the first `old`)."""
    assert CRD.find(old) < CRD.find("\nspec:"), change
    assert not prefilter.certainly_crd(CRD.replace(old, new, 1)), change


def test_what_follows_the_last_line_at_column_0_reaches_no_key() -> None:
    """A flow collection or a quoted scalar in `spec` (the bulk of a CRD, not searched)
    cannot make a line at column 0 part of it: there is none after it."""
    text = CRD.replace("{type: array}", "{type: [array], note: x # }\n              }")
    text += '  more: "a\n    b"\n  list: [a,\n    b]\n'
    (doc,) = documents.split(text)
    doc.check_syntax()
    assert prefilter.certainly_crd(text)
    assert _composed_is_crd(text)


@pytest.mark.parametrize(
    "text",
    [
        # the `kind` line is inside a quoted scalar: the root's kind is Deployment
        "apiVersion: apps/v1\nkind: Deployment\nnote: 'a\nkind: CustomResourceDefinition\n"
        "apiVersion: apiextensions.k8s.io/v1\n  b'\nimage: x\n",
        # ... inside a flow sequence whose `]` a comment hides
        "note: [a, # ]\napiVersion: apiextensions.k8s.io/v1,\nkind: CustomResourceDefinition\n"
        "  ]\nimage: x\n",
        # ... a double-quoted scalar, its line breaks escaped
        'note: "a\\\nkind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1\n"\n'
        "image: x\n",
        # the kind is continued on the next line: "CustomResourceDefinition Extra"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n  Extra\n",
    ],
)
def test_texts_that_only_look_like_crds_are_not_certain(text: str) -> None:
    (doc,) = documents.split(text)
    doc.check_syntax()  # YAML that libyaml accepts
    assert not _composed_is_crd(text)
    assert not prefilter.certainly_crd(text)


def _corpus_documents() -> list[documents.Document]:
    streams = sorted(corpus_file("streams").glob("*.yaml"))
    return [d for path in streams for d in documents.split(documents.decode(path.read_bytes())[1])]


def test_every_crd_the_rule_is_certain_of_in_the_corpus_is_one() -> None:
    """Over every document of every corpus stream: certain means a CRD, and the rule is
    certain of most CRDs (145 of 147 when written; the rest hold a flow or a quote before
    their `spec` that it cannot be sure of)."""
    certain = crds = 0
    for doc in _corpus_documents():
        if "kind: CustomResourceDefinition" not in doc.text:
            continue
        is_crd = _composed_is_crd(doc.text)
        if prefilter.certainly_crd(doc.text):
            assert is_crd, doc.label()
            certain += 1
        crds += is_crd
    assert crds >= 140
    assert certain >= 0.98 * crds


_LINES = st.sampled_from(
    [
        "apiVersion: apiextensions.k8s.io/v1",
        "apiVersion: apps/v1",
        "kind: CustomResourceDefinition",
        "kind: Deployment",
        "image: x",
        "spec:",
        "  image: 'a",
        "  b'",
        '  "a',
        'b"',
        "  c: [a,",
        "  ]",
        "  # ]",
        "x: |",
        "  text",
        "'",
        "- a",
        "---",
        "? k",
        ": v",
        "  Extra",
        "",
        "# c",
        "<<: {kind: CustomResourceDefinition}",
        "&a m:",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINES, min_size=2, max_size=9))
def test_certain_implies_a_crd_on_made_up_texts(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    docs = documents.split(text)
    if len(docs) != 1 or not prefilter.certainly_crd(text):
        return
    try:
        docs[0].check_syntax()
    except ReadError:
        return
    assert _composed_is_crd(text)


def test_wanted_composes_what_can_hold_an_image_or_a_reference_unless_a_crd() -> None:
    app = ImageMap(
        "app", Selector(parse_normalized_named("example.com/app"), False), parse("reg:5000/a:t1")
    )
    needles = prefilter.needles([app])
    assert needles == {"example.com/app", "reg:5000/a"}
    assert prefilter.wanted("kind: Pod\nspec: {containers: [{image: x}]}\n", needles)
    assert prefilter.wanted("kind: ConfigMap\ndata: {ref: example.com/app}\n", needles)
    assert not prefilter.wanted("kind: ConfigMap\ndata: {a: b}\n", needles)
    assert not prefilter.wanted(CRD, needles)
    # Helm 4 names the file in an annotation only: the node is read to count its documents
    helm4 = CRD.replace("# Source: chart/crds/widgets.yaml\n", "").replace(
        "  annotations:\n", f"  annotations:\n    {objects.HELM4_FILENAME}: x\n"
    )
    assert prefilter.certainly_crd(helm4) and prefilter.wanted(helm4, needles)


def test_a_crd_goes_through_unchanged_and_its_syntax_errors_are_still_reported(
    maps_file: MapsFile,
) -> None:
    maps = maps_file(imagemap("app", "example.com/app", "localhost:5000/app:t1"))
    pod = "---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: example.com/app\n"
    out = run_fn(CRD + pod, "--imagemaps", maps)
    assert out.exit_code == 0
    assert out.stdout == CRD + pod.replace(
        "example.com/app", "localhost:5000/app:t1\n    imagePullPolicy: IfNotPresent"
    )
    broken_crd = CRD + "  - bad\n"
    assert prefilter.certainly_crd(broken_crd)  # only syntax-checked, in libyaml
    broken = run_fn(broken_crd + pod, "--imagemaps", maps)
    assert broken.exit_code == 1 and broken.stdout == ""
    assert broken.stderr.startswith(
        "[error] document 1 (chart/crds/widgets.yaml), line 24, column 3: did not find "
        "expected key (while parsing a block mapping at line 12, column 3)\n"
    )
