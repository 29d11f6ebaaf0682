"""PyYAML imported with its regular expressions compiled on first use.

`import yaml` compiles about ten patterns (the reader's printable characters, the
resolver's implicit tags, the constructor's timestamp) that a run seldom uses: about 40% of
the import, a sixth of a small run's start-up. `import_yaml` imports it with `re.compile`
giving the yaml package's own modules a pattern that compiles when first used; every other
caller, and PyYAML's files, are left as they are. The console script calls it before
anything imports yaml (a later call, or yaml already imported, changes nothing).
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["import_yaml"]


class _Pattern:
    """A pattern compiled by the first attribute asked of it (`match`, `search`, ...). Each
    attribute is then kept on the instance, so later uses (the resolver's `match`, on every
    plain scalar a run reads) go straight to the compiled pattern's method."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        value = getattr(re.compile(*self._args), name)
        setattr(self, name, value)
        return value


def import_yaml() -> None:
    """Import PyYAML, its own patterns compiled lazily (see the module docstring)."""
    if "yaml" in sys.modules:
        return
    compile_now = re.compile

    def compile_later(pattern: Any, flags: int = 0) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("yaml.") and isinstance(pattern, str):
            return _Pattern(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_later
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = compile_now
