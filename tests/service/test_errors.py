"""The error tree: documented in casework/errors.py, mapped to HTTP by service/errors.py."""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

import pytest

import casework
import casework.errors
import service
import service.errors
import workers
from casework.errors import (
    BodyTooLarge,
    CaseNotFound,
    CaseworkError,
    InvalidInput,
    NotFound,
    SealedDataUnreadable,
    TooManyFingerprints,
    UploadAsForm,
)
from casework.platforms.apikeys import InvalidApiKey
from service.errors import STATUS_BY_ERROR, status_of

#: One line of the docstring's tree: its indent and the class it names.
_TREE_LINE = re.compile(r"^(?P<indent>[│ ]*)[├└]── (?P<name>\w+)")


def modules(*packages: ModuleType) -> list[ModuleType]:
    """Every module of the packages, imported (migrations and __main__ are scripts)."""
    return [
        importlib.import_module(module.name)
        for package in packages
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        if ".migrations" not in module.name and not module.name.endswith("__main__")
    ]


def tree() -> list[type[CaseworkError]]:
    """Every subclass of CaseworkError that casework/, service/ and workers/ define."""
    modules(casework, service, workers)
    found: list[type[CaseworkError]] = []
    pending = [CaseworkError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def documented_parents() -> dict[str, str]:
    """Each class the docstring tree of casework/errors.py names, with the parent it shows."""
    parents: dict[str, str] = {}
    chain = ["CaseworkError"]
    for line in (casework.errors.__doc__ or "").splitlines():
        entry = _TREE_LINE.match(line)
        if entry is None:
            continue
        depth = len(entry["indent"]) // 4 + 1
        del chain[depth:]
        parents[entry["name"]] = chain[-1]
        chain.append(entry["name"])
    return parents


def test_every_error_in_the_tree_gets_its_status_from_the_table() -> None:
    unlisted = [
        kind.__name__
        for kind in tree()[1:]
        if not any(cls in STATUS_BY_ERROR for cls in kind.__mro__)
    ]
    assert unlisted == []


def test_a_subclass_listed_after_its_parent_still_gets_its_own_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reversed_table = dict(reversed(STATUS_BY_ERROR.items()))
    order = list(reversed_table)
    assert order.index(NotFound) < order.index(CaseNotFound)
    assert order.index(InvalidInput) < order.index(UploadAsForm)
    expected = {kind: status_of(kind) for kind in tree()}
    monkeypatch.setattr(service.errors, "STATUS_BY_ERROR", reversed_table)
    assert status_of(CaseNotFound) == 401
    assert status_of(InvalidApiKey) == 401
    assert status_of(TooManyFingerprints) == 413
    assert status_of(BodyTooLarge(10)) == 413
    assert status_of(UploadAsForm) == 415
    assert status_of(SealedDataUnreadable("k1", "TAKEDOWN_SECRET_KEY")) == 500
    assert {kind: status_of(kind) for kind in tree()} == expected


def test_the_documented_tree_is_the_class_tree() -> None:
    actual = {kind.__name__: kind.__bases__[0].__name__ for kind in tree()[1:]}
    assert documented_parents() == actual


def test_casework_and_service_define_no_error_outside_the_tree() -> None:
    outside = [
        f"{module.__name__}.{name}"
        for module in modules(casework, service)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and value.__module__ == module.__name__
        and issubclass(value, BaseException)
        and not issubclass(value, CaseworkError)
    ]
    assert outside == []
