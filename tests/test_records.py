"""Records (krm_fn.records): equality, hash, repr, `replace` and pickling from a record's
fields, and every record class of the package laid out as `Record` expects."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil

import pytest

import krm_fn
from krm_fn.edits import Edit
from krm_fn.plan import Plan
from krm_fn.records import Record
from krm_fn.results import FileRef, ResourceRef, Result, Severity

WEB = ResourceRef("apps/v1", "Deployment", "web", "shop")
SET = Result(Severity.INFO, "set", WEB, "spec.image", "app", "app:1", FileRef("t.yaml", 2))


def _record_classes() -> list[type[Record]]:
    found: list[type[Record]] = []
    for info in pkgutil.iter_modules(krm_fn.__path__):
        if info.name == "__main__":  # runs the program
            continue
        module = importlib.import_module(f"krm_fn.{info.name}")
        found += [
            c
            for c in vars(module).values()
            if isinstance(c, type)
            and issubclass(c, Record)
            and c is not Record
            and c.__module__ == module.__name__
        ]
    return found


def test_every_record_class_lists_its_init_parameters_as_its_slots() -> None:
    """`Record` reads a record's fields, in order, from its own `__slots__`: they are its
    `__init__`'s parameters (pickling passes them back in that order), and no record class
    derives from another."""
    classes = _record_classes()
    assert {Edit, Plan, Result} <= set(classes)
    for cls in classes:
        assert cls.__bases__ == (Record,), cls
        assert tuple(inspect.signature(cls).parameters) == cls.__slots__, cls


def test_records_are_equal_when_their_class_and_fields_are() -> None:
    assert FileRef("t.yaml", 1) == FileRef("t.yaml", 1)
    assert FileRef("t.yaml", 1) != FileRef("t.yaml", 2)
    assert FileRef("t.yaml") != ("t.yaml", 0)  # not a tuple
    assert Edit(0, 0, 0, "") != FileRef("t.yaml")
    assert not isinstance(FileRef("t.yaml"), tuple)


def test_equal_records_hash_alike_and_one_holding_a_list_has_no_hash() -> None:
    assert {FileRef("t.yaml", 1): "found"}[FileRef("t.yaml", 1)] == "found"
    assert hash(SET) == hash(copy.copy(SET))
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        hash(Plan([], [], [], [], set()))


def test_the_repr_names_every_field() -> None:
    assert repr(Edit(1, 2, 0, "x")) == "Edit(start=1, end=2, rank=0, text='x')"
    assert repr(FileRef("t.yaml")) == "FileRef(path='t.yaml', index_in_file=0)"


def test_replace_makes_a_copy_with_the_fields_named_changed() -> None:
    moved = SET.replace(file=FileRef("u.yaml"), message="moved")
    assert moved == Result(
        Severity.INFO, "moved", WEB, "spec.image", "app", "app:1", FileRef("u.yaml")
    )
    assert SET.file == FileRef("t.yaml", 2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'index'"):
        FileRef("t.yaml").replace(index=1)


def test_a_record_pickles_and_copies_as_its_fields() -> None:
    assert pickle.loads(pickle.dumps(SET, protocol=pickle.HIGHEST_PROTOCOL)) == SET
    assert copy.deepcopy(SET) == SET
    with pytest.raises(AttributeError):  # slots only: no other attribute can be set
        setattr(WEB, "cluster", "prod")  # noqa: B010
