"""The console's personas and world, for the hook that queues removal checks."""

from tests.console.conftest import carol, settings, world

__all__ = ["carol", "settings", "world"]
