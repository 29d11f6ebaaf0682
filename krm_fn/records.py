"""Records: the package's plain values, classes that cost little to define and to make.

A record class lists its fields, in order, as its `__slots__`, and its `__init__` takes
them, typed (so mypy checks every call), and sets each one once, declared `Final`:

    class Edit(Record):
        __slots__ = ("start", "end", "rank", "text")

        def __init__(self, start: int, end: int, rank: int, text: str) -> None:
            self.start: Final = start
            ...

`Record` gives it what a value needs, computed from those fields: `==` (a record of the
same class with equal fields), a hash (a record that holds a list has none, as a tuple
that holds one), a repr `Edit(start=1, end=2, rank=0, text='x')`, `replace(**changes)` (a
copy with some fields changed, made by `__init__`: a name it does not take is a TypeError,
but mypy does not check the new values' types), and pickling as its class and its fields'
values (what `krm_fn.parallel` sends back).

It guarantees no more: a record is not a tuple (no unpacking, indexing or ordering; sort
by a key), and its fields are read-only to mypy only (`Final`), not at run time, where a
check on every assignment would slow down making one. No code sets a field after
`__init__`. (A `typing.NamedTuple` evaluates its annotations and compiles its source when
it is defined, several times the cost of such a class.)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Self


__all__ = ["Record"]


class Record:
    """The base of every record class (see the module's docstring)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self.__slots__])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record) and type(other) is type(self):
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[type[Self], tuple[object, ...]]:
        return type(self), self._values()

    def replace(self, **changes: object) -> Self:
        """A copy with the fields named changed."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return type(self)(**(fields | changes))
