"""krm_fn.lazy_yaml: PyYAML imported with its own patterns compiled on first use, in a
fresh interpreter (this one has imported yaml already)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import re, sys
compile_before = re.compile
from krm_fn.lazy_yaml import import_yaml
import_yaml()
import yaml
from yaml.resolver import Resolver
from krm_fn import documents
assert re.compile is compile_before, "re.compile is put back"
bools = [p for tag, p in Resolver.yaml_implicit_resolvers["y"] if tag.endswith(":bool")]
assert not isinstance(bools[0], re.Pattern), "yaml's own patterns wait for their first use"
assert isinstance(documents._CONTENT, re.Pattern), "other modules' patterns are compiled now"
data = yaml.load("a: yes\\nb: 1.5\\nc: 2001-12-14\\nd: ~\\ne: '0x1F'\\n", Loader=yaml.CSafeLoader)
print(repr(data))
print(yaml.dump(["yes", "1.5", "~", "on"], Dumper=yaml.CSafeDumper), end="")
"""


def run(script: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_yaml_reads_and_writes_as_when_imported_plainly() -> None:
    lazy = run(SCRIPT)
    plain = run(
        SCRIPT.replace("import_yaml()\n", "").replace(
            "assert not isinstance(bools[0]", "assert isinstance(bools[0]"
        )
    )
    assert lazy == plain
    assert lazy.startswith("{'a': True, 'b': 1.5, 'c': datetime.date(2001, 12, 14), 'd': None,")
    assert "- 'yes'\n- '1.5'\n- '~'\n- 'on'\n" in lazy  # the resolver's patterns quote them


def test_a_second_call_changes_nothing() -> None:
    out = run(
        "import re, yaml; from krm_fn.lazy_yaml import import_yaml; c = re.compile; "
        "import_yaml(); from yaml.resolver import Resolver; "
        "print(re.compile is c, isinstance(Resolver.yaml_implicit_resolvers['y'][0][1], "
        "re.Pattern))"
    )
    assert out == "True True\n"
