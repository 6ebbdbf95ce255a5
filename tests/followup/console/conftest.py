"""The follow-through pages and hooks run in the personas' world, as the console tests do."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.settings import Settings
from tests.personas import with_platform_registry


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared test settings plus a registry that knows the hosts used here."""
    return with_platform_registry(settings, tmp_path)
