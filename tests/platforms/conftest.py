"""A loopback webhook receiver for the platform tests (platforms, keys: tests/platformkeys.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.receivers import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook endpoint on loopback, closed after the test."""
    with receiving() as server:
        yield server
